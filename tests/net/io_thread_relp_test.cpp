// RELP through a real I/O thread and loopback sockets: answers wait for the sink's durable
// position and come when its eventfd says it advanced, a window of frames is answered without
// a round trip each, `close` and `serverclose` end sessions, garbage closes the connection.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/io_thread.hpp"
#include "recording_io_events.hpp"

namespace kinesyslog::net {
namespace {

using namespace std::chrono_literals;

// Positions 1, 2, 3... durable through what the test sets (announced on an eventfd).
class DurableSink final : public MessageSink {
 public:
  DurableSink() : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

  void on_message(const SourceKey&, std::string_view, std::string_view, WallTime) override { position_.fetch_add(1); }
  void on_tick(SteadyTime) override {}
  void on_stop() override {}
  uint64_t position() const override { return position_.load(); }
  uint64_t durable_through() const override { return durable_.load(); }
  void want_durable() override { want_durable_calls.fetch_add(1); }
  int durable_wake_fd() const override { return wake_.get(); }
  void on_round_end() override { round_ends.fetch_add(1); }

  void make_durable(uint64_t through) {
    durable_.store(through);
    const uint64_t one = 1;
    ASSERT_EQ(::write(wake_.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }
  uint64_t received() const { return position_.load(); }

  std::atomic<uint64_t> want_durable_calls{0};
  std::atomic<uint64_t> round_ends{0};

 private:
  UniqueFd wake_;
  std::atomic<uint64_t> position_{0};
  std::atomic<uint64_t> durable_{0};
};

std::string frame(uint32_t txnr, const std::string& command, const std::string& data) {
  std::string text = std::to_string(txnr) + " " + command + " " + std::to_string(data.size());
  if (!data.empty()) text += " " + data;
  return text + "\n";
}

std::string ok(uint32_t txnr) { return frame(txnr, "rsp", "200 OK"); }

const std::string kOpen = frame(1, "open", "relp_version=0\nrelp_software=librelp,1.11.0,x\ncommands=syslog");

uint16_t bound_port(const UniqueFd& fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

class RelpPeer {
 public:
  explicit RelpPeer(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }
  void send(const std::string& text) {
    ASSERT_EQ(::send(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  }
  // Reads until `expected` bytes came, the peer closed, or `wait` passed.
  std::string read(size_t expected, std::chrono::milliseconds wait = 5s) {
    timeval timeout{0, 20'000};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (received_.size() < expected && !closed_ && std::chrono::steady_clock::now() < deadline) {
      char buffer[65536];
      const ssize_t count = ::recv(fd_.get(), buffer, sizeof buffer, 0);
      if (count == 0) closed_ = true;
      if (count > 0) received_.append(buffer, static_cast<size_t>(count));
    }
    std::string taken = received_.substr(0, std::min(expected, received_.size()));
    received_.erase(0, taken.size());
    return taken;
  }
  // Waits for the end of the stream; true when the peer closed it.
  bool wait_closed() {
    read(SIZE_MAX);
    return closed_;
  }

 private:
  UniqueFd fd_;
  std::string received_;
  bool closed_ = false;
};

class IoThreadRelpTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(IoThreadConfig config) {
    ListenerSpec spec{Transport::kTcp, 0, Protocol::kSyslog};
    spec.framing = StreamFraming::kRelp;
    UniqueFd fd = open_listener(*IpAddress::parse("127.0.0.1"), false, spec);
    port_ = bound_port(fd);
    spec.port = port_;
    std::vector<BoundListener> listeners;
    listeners.push_back({spec, std::move(fd), &gauges_});
    config.tick = 20ms;
    config.max_message_size = 1024;
    thread_ = std::make_unique<IoThread>(std::move(listeners), sink_, clock_, events_, config);
    thread_->start();
  }
  void TearDown() override { stop(); }
  void stop() {
    if (!thread_) return;
    thread_->request_stop();
    thread_->join();
    thread_.reset();
  }
  // Opens a session and reads our answer to it.
  std::unique_ptr<RelpPeer> open_session() {
    auto peer = std::make_unique<RelpPeer>(port_);
    peer->send(kOpen);
    const std::string answer = peer->read(1);
    EXPECT_EQ(answer, "1");
    const std::string rest = peer->read(SIZE_MAX, 300ms);
    EXPECT_NE(rest.find(" rsp "), std::string::npos) << rest;
    EXPECT_NE(rest.find("commands=syslog"), std::string::npos) << rest;
    return peer;
  }

  ManualClock clock_{WallTime{} + std::chrono::hours(24 * 365 * 50)};
  RecordingIoEvents events_;
  ListenerGauges gauges_;
  DurableSink sink_;
  std::unique_ptr<IoThread> thread_;
  uint16_t port_ = 0;
};

TEST_F(IoThreadRelpTest, AnswersWaitUntilTheSinkSaysTheMessagesAreDurable) {
  auto peer = open_session();
  peer->send(frame(2, "syslog", "<13>one") + frame(3, "syslog", "<13>two") + frame(4, "syslog", "<13>three"));
  EXPECT_EQ(peer->read(1, 300ms), "");  // received, not durable: no answer
  EXPECT_EQ(sink_.received(), 3U);
  EXPECT_GT(sink_.want_durable_calls.load(), 0U);
  sink_.make_durable(2);
  EXPECT_EQ(peer->read(ok(2).size() + ok(3).size()), ok(2) + ok(3));
  EXPECT_EQ(peer->read(1, 200ms), "");
  sink_.make_durable(3);
  EXPECT_EQ(peer->read(ok(4).size()), ok(4));
  EXPECT_EQ(events_.relp_acked.load(), 3U);
  EXPECT_EQ(events_.relp_sessions.load(), 1);
}

TEST_F(IoThreadRelpTest, AWindowOf128FramesIsAnsweredWithoutARoundTripEach) {
  sink_.make_durable(UINT64_MAX);
  auto peer = open_session();
  std::string window;
  std::string expected;
  for (uint32_t txnr = 2; txnr < 2 + 128; ++txnr) {
    window += frame(txnr, "syslog", "<13>message " + std::to_string(txnr));
    expected += ok(txnr);
  }
  peer->send(window);  // the peer reads nothing until it has sent them all
  EXPECT_EQ(peer->read(expected.size()), expected);
  EXPECT_EQ(sink_.received(), 128U);
  EXPECT_EQ(events_.relp_acked.load(), 128U);
}

TEST_F(IoThreadRelpTest, CloseIsAnsweredAfterTheLastMessageThenTheConnectionCloses) {
  auto peer = open_session();
  peer->send(frame(2, "syslog", "<13>last") + frame(3, "close", ""));
  EXPECT_EQ(peer->read(1, 300ms), "");
  sink_.make_durable(1);
  EXPECT_EQ(peer->read(ok(2).size() + ok(3).size()), ok(2) + ok(3));
  EXPECT_TRUE(peer->wait_closed());
  for (int i = 0; i < 100 && events_.relp_sessions.load() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(events_.relp_sessions.load(), 0);
}

TEST_F(IoThreadRelpTest, StoppingAnswersWhatIsDurableThenSendsServerclose) {
  auto peer = open_session();
  peer->send(frame(2, "syslog", "<13>durable") + frame(3, "syslog", "<13>never durable"));
  for (int i = 0; i < 100 && sink_.received() < 2; ++i) std::this_thread::sleep_for(10ms);
  sink_.make_durable(1);  // the second is never durable: the drain gives up waiting for it
  stop();
  EXPECT_EQ(peer->read(SIZE_MAX, 2s), ok(2) + "0 serverclose 0\n");
  EXPECT_TRUE(peer->wait_closed());
  EXPECT_EQ(events_.relp_sessions.load(), 0);
}

TEST_F(IoThreadRelpTest, GarbageClosesTheConnectionAndIsCounted) {
  RelpPeer peer(port_);
  peer.send("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(peer.wait_closed());
  for (int i = 0; i < 100 && events_.relp_failures().empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(events_.relp_failures().size(), 1U);
  EXPECT_NE(events_.relp_failures()[0].failure.find("not a RELP frame"), std::string::npos);
  EXPECT_EQ(sink_.received(), 0U);
}

TEST_F(IoThreadRelpTest, ARefusedOpenIsAnsweredWith500BeforeTheClose) {
  RelpPeer peer(port_);
  peer.send(frame(1, "open", "relp_version=0\ncommands=other"));
  const std::string expected = frame(1, "rsp", "500 required command not supported by client");
  EXPECT_EQ(peer.read(expected.size()), expected);
  EXPECT_TRUE(peer.wait_closed());
}

TEST_F(IoThreadRelpTest, AFrameStillArrivingPastThePartialBudgetClosesTheSession) {
  stop();
  IoThreadConfig config;
  config.max_partial_bytes = 1024;
  start(config);
  auto peer = open_session();
  peer->send("2 syslog 3000 " + std::string(2000, 'x'));  // held: its data is not all here
  EXPECT_TRUE(peer->wait_closed());
  for (int i = 0; i < 100 && events_.relp_failures().empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(events_.relp_failures().size(), 1U);
  EXPECT_NE(events_.relp_failures()[0].failure.find("--max-partial-bytes"), std::string::npos);
  EXPECT_EQ(sink_.received(), 0U);  // nothing cut short: the sender resends the frame
}

TEST_F(IoThreadRelpTest, EveryLoopRoundEndsWithTheSink) {
  const uint64_t before = sink_.round_ends.load();
  auto peer = open_session();
  EXPECT_GT(sink_.round_ends.load(), before);
}

}  // namespace
}  // namespace kinesyslog::net
