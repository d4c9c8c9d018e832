#include "net/io_thread.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "recording_io_events.hpp"
#include "support/temporary_directory.hpp"
#include "test_pki.hpp"

namespace kinesyslog::net {
namespace {

using namespace std::chrono_literals;

struct Received {
  SourceKey key;
  std::string source_text;
  std::string message;
};

// Records what the I/O thread hands on; waits are bounded.
class RecordingSink final : public MessageSink {
 public:
  void on_message(const SourceKey& key, std::string_view source_text, std::string_view message, WallTime) override {
    std::lock_guard lock(mutex_);
    messages_.push_back({key, std::string(source_text), std::string(message)});
    changed_.notify_all();
  }
  void on_tick(SteadyTime) override {}
  void on_stop() override {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  std::vector<Received> wait_for(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return messages_.size() >= count; });
    return messages_;
  }
  std::vector<Received> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> messages_;
  bool stopped_ = false;
};

uint16_t listening_port(const UniqueFd& fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

UniqueFd connect_to(uint16_t port, int type = SOCK_STREAM) {
  UniqueFd fd(::socket(AF_INET, type, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

void send_text(const UniqueFd& fd, std::string_view text) {
  ASSERT_EQ(::send(fd.get(), text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
}

// True when the peer closed `fd` within the bounded wait.
bool closed_by_peer(const UniqueFd& fd) {
  timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char byte;
  return ::recv(fd.get(), &byte, 1, 0) == 0;
}

class IoThreadTest : public ::testing::Test {
 protected:
  // `udp_receive_buffer` shrinks the UDP socket's buffer; `run` false leaves the loop unstarted.
  void start(IoThreadConfig config = {}, int udp_receive_buffer = 0, bool run = true) {
    auto address = *IpAddress::parse("127.0.0.1");
    UniqueFd tcp = open_listener(address, false, {Transport::kTcp, 0, Protocol::kSyslog});
    tcp_port_ = listening_port(tcp);
    UniqueFd udp = open_listener(address, false, {Transport::kUdp, tcp_port_, Protocol::kSyslog});
    if (udp_receive_buffer > 0) {
      ::setsockopt(udp.get(), SOL_SOCKET, SO_RCVBUF, &udp_receive_buffer, sizeof udp_receive_buffer);
    }
    std::vector<BoundListener> listeners;
    listeners.push_back({{Transport::kTcp, tcp_port_, Protocol::kSyslog}, std::move(tcp), &tcp_gauges_});
    listeners.push_back({{Transport::kUdp, tcp_port_, Protocol::kSyslog}, std::move(udp), &udp_gauges_});
    config.tick = 20ms;
    thread_ = std::make_unique<IoThread>(std::move(listeners), sink_, clock_, events_, config);
    if (run) thread_->start();
  }
  // One TCP port whose connections start with a PROXY header, honoured from `proxy_from`
  // (null: from any peer).
  void start_proxied(IoThreadConfig config, std::shared_ptr<const TrustedProxies> proxy_from) {
    const ListenerSpec spec{Transport::kTcp, 0, Protocol::kSyslog, true, std::move(proxy_from)};
    UniqueFd tcp = open_listener(*IpAddress::parse("127.0.0.1"), false, spec);
    tcp_port_ = listening_port(tcp);
    std::vector<BoundListener> listeners;
    listeners.push_back({spec, std::move(tcp), &tcp_gauges_});
    listeners.back().spec.port = tcp_port_;
    config.tick = 20ms;
    thread_ = std::make_unique<IoThread>(std::move(listeners), sink_, clock_, events_, config);
    thread_->start();
  }
  void TearDown() override {
    if (thread_) {
      thread_->request_stop();
      thread_->join();
    }
  }

  ManualClock clock_{WallTime{} + std::chrono::hours(24 * 365 * 50)};
  RecordingIoEvents events_;
  ListenerGauges tcp_gauges_, udp_gauges_;
  RecordingSink sink_;
  std::unique_ptr<IoThread> thread_;
  uint16_t tcp_port_ = 0;
};

TEST_F(IoThreadTest, TcpMessagesReachTheSinkWithTheirSourceAndPort) {
  start();
  auto client = connect_to(tcp_port_);
  send_text(client, "<13>one\n7 <13>two\nthree");
  auto received = sink_.wait_for(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].message, "<13>one");
  EXPECT_EQ(received[1].message, "<13>two");
  EXPECT_EQ(received[0].source_text, "127.0.0.1");
  EXPECT_EQ(received[0].key.port, tcp_port_);
  client.reset();  // end of stream delivers the unterminated last message
  EXPECT_EQ(sink_.wait_for(3).at(2).message, "three");
}

TEST_F(IoThreadTest, UdpDatagramMaySplitIntoSeveralMessages) {
  start();
  auto client = connect_to(tcp_port_, SOCK_DGRAM);
  send_text(client, "<13>first\n<13>second\n");
  auto received = sink_.wait_for(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].message, "<13>second");
  EXPECT_EQ(events_.udp_datagrams.load(), 1u);
}

TEST_F(IoThreadTest, OverLongMessageIsTruncatedAndCounted) {
  IoThreadConfig config;
  config.max_message_size = 8;
  start(config);
  auto client = connect_to(tcp_port_);
  send_text(client, "0123456789abcdef\nok\n");
  auto received = sink_.wait_for(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].message, "01234567");
  EXPECT_EQ(received[1].message, "ok");
  EXPECT_EQ(events_.drops(IoDrop::kTruncated), 1u);
}

TEST_F(IoThreadTest, ZeroLengthOctetCountedFramesAreCountedAsBadFrames) {
  start();
  auto client = connect_to(tcp_port_);
  send_text(client, "0 4 <13>0 2 ok");
  auto received = sink_.wait_for(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].message, "ok");
  // Counted once the read that held them is done, just after the messages reached the sink.
  for (int wait = 0; wait < 200 && events_.bad_frame_count.load() < 2; ++wait) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(events_.bad_frame_count.load(), 2u);
}

TEST_F(IoThreadTest, ConnectionsBeyondTheListenerLimitAreRefused) {
  IoThreadConfig config;
  config.max_connections_per_listener = 2;
  start(config);
  auto first = connect_to(tcp_port_);
  auto second = connect_to(tcp_port_);
  send_text(first, "a\n");
  send_text(second, "b\n");
  sink_.wait_for(2);
  auto third = connect_to(tcp_port_);
  EXPECT_TRUE(closed_by_peer(third));
  EXPECT_EQ(events_.connections_refused.load(), 1u);
  send_text(first, "still served\n");
  EXPECT_EQ(sink_.wait_for(3).at(2).message, "still served");
}

TEST_F(IoThreadTest, IdleConnectionIsClosedAndWhatItSentIsKept) {
  start();
  auto client = connect_to(tcp_port_);
  send_text(client, "<13>no newline yet");
  std::this_thread::sleep_for(100ms);  // let the loop read it
  clock_.advance(11min);
  EXPECT_TRUE(closed_by_peer(client));
  auto received = sink_.wait_for(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].message, "<13>no newline yet");
  EXPECT_EQ(events_.connections_timed_out.load(), 1u);
  EXPECT_EQ(tcp_gauges_.open_connections.load(), 0);
}

// A burst that overflows the socket buffer, with nothing after it: the drops must still be
// counted (SO_RXQ_OVFL would only report them with a later datagram).
TEST_F(IoThreadTest, DatagramsTheKernelDroppedAreCountedWithoutALaterDatagram) {
  start({}, 4096, false);
  auto client = connect_to(tcp_port_, SOCK_DGRAM);
  const std::string datagram = "<13>burst " + std::string(900, 'x');
  constexpr size_t kSent = 200;
  for (size_t i = 0; i < kSent; ++i) send_text(client, datagram);
  thread_->start();
  thread_->request_stop();
  thread_->join();
  thread_.reset();
  const uint64_t dropped = events_.drops(IoDrop::kUdpOverflow);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(sink_.messages().size() + dropped, kSent);
}

TEST_F(IoThreadTest, StopReadsWhatTheKernelHoldsThenHandsOn) {
  start();
  auto client = connect_to(tcp_port_);
  auto datagrams = connect_to(tcp_port_, SOCK_DGRAM);
  std::string burst;
  for (int i = 0; i < 1000; ++i) burst += "<13>tcp " + std::to_string(i) + "\n";
  send_text(client, burst);
  for (int i = 0; i < 50; ++i) send_text(datagrams, "<13>udp " + std::to_string(i));
  thread_->request_stop();
  thread_->join();
  thread_.reset();
  EXPECT_EQ(sink_.messages().size(), 1050u);
  EXPECT_TRUE(sink_.stopped());
}

// True when the peer closed or reset `fd` within the bounded wait (a server closing with our
// bytes unread sends a reset; an alert may come first).
bool closed_or_reset_by_peer(const UniqueFd& fd) {
  timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[512];
  for (int reads = 0; reads < 16; ++reads) {
    const ssize_t count = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (count == 0 || (count < 0 && errno == ECONNRESET)) return true;
    if (count < 0) return false;
  }
  return false;
}

TEST_F(IoThreadTest, EachKindOfFailedTlsHandshakeIsReportedWithThePeer) {
  testing::TemporaryDirectory directory;
  const testing::Credential ca = testing::make_credential("ca.test", nullptr);
  const testing::CredentialFiles server =
      testing::write_credential(directory.path(), "server", testing::make_credential("server.test", &ca));
  auto address = *IpAddress::parse("127.0.0.1");
  UniqueFd tls = open_listener(address, false, {Transport::kTls, 0, Protocol::kSyslog});
  tcp_port_ = listening_port(tls);
  std::vector<BoundListener> listeners;
  listeners.push_back({{Transport::kTls, tcp_port_, Protocol::kSyslog}, std::move(tls), &tcp_gauges_});
  IoThreadConfig config;
  config.tick = 20ms;
  config.tls = std::make_shared<TlsContextHolder>(TlsServerPaths{server.certificate, server.key, {}});
  thread_ = std::make_unique<IoThread>(std::move(listeners), sink_, clock_, events_, config);
  thread_->start();

  // Two refusals for different reasons, then the first reason again.
  auto plain_http = connect_to(tcp_port_);
  send_text(plain_http, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(closed_or_reset_by_peer(plain_http));
  auto tls11 = connect_to(tcp_port_);
  send_text(tls11, std::string("\x16\x03\x02\x00\x2d\x01\x00\x00\x29\x03\x02", 11) + std::string(32, 'r') +
                       std::string("\x00\x00\x02\x00\x2f\x01\x00", 7));  // a TLS 1.1 ClientHello
  EXPECT_TRUE(closed_or_reset_by_peer(tls11));
  auto plain_http_again = connect_to(tcp_port_);
  send_text(plain_http_again, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(closed_or_reset_by_peer(plain_http_again));

  EXPECT_EQ(events_.tls_refused.load(), 3u);
  thread_->request_stop();
  thread_->join();
  thread_.reset();
  // Each is reported with its peer and OpenSSL's reason (how the relay logs them, one line per
  // reason a minute, is tested with its reporter).
  const auto failures = events_.tls_failures();
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].source, "127.0.0.1");
  EXPECT_EQ(failures[0].port, tcp_port_);
  EXPECT_EQ(failures[0].failure, "http request");
  EXPECT_TRUE(failures[1].failure.starts_with("unsupported protocol")) << failures[1].failure;
  EXPECT_EQ(failures[2].failure, "http request");
}

// A client socket bound to `source` (any loopback address of 127/8) before it connects.
UniqueFd connect_from(std::string_view source, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, std::string(source).c_str(), &local.sin_addr);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

void let_the_loop_read() { std::this_thread::sleep_for(100ms); }

TEST_F(IoThreadTest, PastThePartialBudgetTheOldestHeldMessageIsHandedOnCutShort) {
  IoThreadConfig config;
  config.max_partial_bytes = 3000;
  start(config);
  auto oldest = connect_to(tcp_port_);
  auto middle = connect_to(tcp_port_);
  auto newest = connect_to(tcp_port_);
  const std::string held = std::string(1200, 'x');
  send_text(oldest, "<13>oldest " + held);
  let_the_loop_read();
  send_text(middle, "<13>middle " + held);
  let_the_loop_read();
  EXPECT_TRUE(sink_.messages().empty());  // 2 x ~1.2 KB: within the budget
  send_text(newest, "<13>newest " + held);  // now over it: the oldest goes
  auto received = sink_.wait_for(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].message, "<13>oldest " + held);
  EXPECT_EQ(events_.drops(IoDrop::kTruncated), 1u);
  // The rest of the released message is dropped; the connection goes on.
  send_text(oldest, " its tail\n<13>after\n");
  EXPECT_EQ(sink_.wait_for(2).at(1).message, "<13>after");
  // The others kept theirs whole and hand them on at close.
  middle.reset();
  EXPECT_EQ(sink_.wait_for(3).at(2).message, "<13>middle " + held);
  EXPECT_EQ(events_.drops(IoDrop::kTruncated), 1u);
}

TEST_F(IoThreadTest, ConnectionsFromOneSourcePastItsCapAreRefusedOthersServed) {
  IoThreadConfig config;
  config.connection_limits = std::make_shared<ConnectionLimits>(100, 2);
  start(config);
  auto first = connect_to(tcp_port_);
  auto second = connect_to(tcp_port_);
  send_text(first, "a\n");
  send_text(second, "b\n");
  sink_.wait_for(2);
  auto third = connect_to(tcp_port_);
  EXPECT_TRUE(closed_by_peer(third));
  EXPECT_EQ(events_.connections_refused.load(), 1u);
  auto elsewhere = connect_from("127.0.0.2", tcp_port_);
  send_text(elsewhere, "from another host\n");
  EXPECT_EQ(sink_.wait_for(3).at(2).message, "from another host");
  EXPECT_EQ(sink_.wait_for(3).at(2).source_text, "127.0.0.2");
  first.reset();  // a closed connection gives its slot back
  let_the_loop_read();
  auto again = connect_to(tcp_port_);
  send_text(again, "served again\n");
  EXPECT_EQ(sink_.wait_for(4).at(3).message, "served again");
  EXPECT_EQ(events_.connections_refused.load(), 1u);
}

TEST_F(IoThreadTest, AtTheTotalLimitNewConnectionsWaitInTheQueueUntilOneCloses) {
  IoThreadConfig config;
  config.connection_limits = std::make_shared<ConnectionLimits>(2, 100);
  start(config);
  auto first = connect_to(tcp_port_);
  auto second = connect_to(tcp_port_);
  send_text(first, "a\n");
  send_text(second, "b\n");
  sink_.wait_for(2);
  auto waiting = connect_to(tcp_port_);  // the kernel completes it; the relay does not take it yet
  send_text(waiting, "waited\n");
  let_the_loop_read();
  EXPECT_EQ(sink_.messages().size(), 2u);
  EXPECT_EQ(events_.connections_refused.load(), 0u);
  first.reset();
  EXPECT_EQ(sink_.wait_for(3).at(2).message, "waited");
}

TEST_F(IoThreadTest, StopAcceptsTheQueuedConnectionsThenClosesTheListeners) {
  start({}, 0, false);
  auto queued = connect_to(tcp_port_);  // completed by the kernel, never accepted while running
  send_text(queued, "<13>queued\n<13>unterminated");
  thread_->request_stop();
  thread_->start();
  thread_->join();
  const auto received = sink_.messages();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].message, "<13>queued");
  EXPECT_EQ(received[1].message, "<13>unterminated");
  EXPECT_TRUE(sink_.stopped());
  // The loop has ended (its object lives on) and its listening socket is gone: a new attempt
  // is refused by the kernel rather than completed for no one.
  UniqueFd late(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(tcp_port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(late.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
}

// A peer --proxy-from does not name may not hold a connection on a PROXY port at all: it is
// closed at accept, before it sends anything, and counted like a refused header.
TEST_F(IoThreadTest, APeerNotInProxyFromIsClosedAtAcceptWithoutSendingAnything) {
  IoThreadConfig config;
  config.connection_limits = std::make_shared<ConnectionLimits>(100, 1);
  start_proxied(config, std::make_shared<const TrustedProxies>(*TrustedProxies::parse({"127.0.0.2/32"})));
  auto first = connect_from("127.0.0.1", tcp_port_);
  auto second = connect_from("127.0.0.1", tcp_port_);
  EXPECT_TRUE(closed_by_peer(first));
  EXPECT_TRUE(closed_by_peer(second));
  EXPECT_EQ(events_.bad_proxy_headers.load(), 2u);
  EXPECT_EQ(tcp_gauges_.open_connections.load(), 0);
  thread_->request_stop();
  thread_->join();
  thread_.reset();
  const auto unlisted = events_.unlisted_peers();
  ASSERT_EQ(unlisted.size(), 2u);
  EXPECT_EQ(unlisted[0].source, "127.0.0.1");
  EXPECT_EQ(unlisted[0].port, tcp_port_);
}

// A listed peer is a load balancer speaking for many hosts: the per-source cap does not apply to it.
TEST_F(IoThreadTest, APeerInProxyFromIsNotHeldToThePerSourceCap) {
  IoThreadConfig config;
  config.connection_limits = std::make_shared<ConnectionLimits>(100, 1);
  start_proxied(config, std::make_shared<const TrustedProxies>(*TrustedProxies::parse({"127.0.0.2/32"})));
  auto first = connect_from("127.0.0.2", tcp_port_);
  auto second = connect_from("127.0.0.2", tcp_port_);
  send_text(first, "PROXY TCP4 192.0.2.1 127.0.0.1 40000 514\r\none\n");
  send_text(second, "PROXY TCP4 192.0.2.2 127.0.0.1 40000 514\r\ntwo\n");
  const auto received = sink_.wait_for(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(events_.connections_refused.load(), 0u);
  EXPECT_EQ(events_.bad_proxy_headers.load(), 0u);
}

}  // namespace
}  // namespace kinesyslog::net
