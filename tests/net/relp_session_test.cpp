// The RELP protocol without sockets: a scripted omrelp session through a sink whose durable
// position the test moves, and the answers the session writes.
#include "net/relp_session.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::net {
namespace {

// Hands out positions 1, 2, 3... and is durable through whatever the test says.
class PositionSink final : public MessageSink {
 public:
  void on_message(const SourceKey&, std::string_view, std::string_view message, WallTime) override {
    messages.emplace_back(message);
    ++position_;
  }
  void on_tick(SteadyTime) override {}
  void on_stop() override {}
  uint64_t position() const override { return position_; }

  std::vector<std::string> messages;

 private:
  uint64_t position_ = 0;
};

std::string frame(uint32_t txnr, const std::string& command, const std::string& data) {
  std::string text = std::to_string(txnr) + " " + command + " " + std::to_string(data.size());
  if (!data.empty()) text += " " + data;
  return text + "\n";
}

std::string answer(uint32_t txnr, const std::string& data) { return frame(txnr, "rsp", data); }

const std::string kOffers = "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
const std::string kOpenAnswer =
    "200 OK\nrelp_version=0\nrelp_software=kinesyslog," KINESYSLOG_VERSION "\ncommands=syslog";

class RelpSessionTest : public ::testing::Test {
 protected:
  void feed(const std::string& bytes) {
    session_.feed(bytes, [&](std::string_view message, bool truncated) {
      truncated_.push_back(truncated);
      sink_.on_message(SourceKey{}, "", message, WallTime{});
    });
  }
  // What the session has to write, marked written.
  std::string take_output() {
    std::string output(session_.output());
    session_.output_written(output.size());
    return output;
  }
  void open() {
    feed(frame(1, "open", kOffers));
    ASSERT_EQ(take_output(), answer(1, kOpenAnswer));
  }

  PositionSink sink_;
  RelpSession session_{64, sink_};
  std::vector<bool> truncated_;
};

TEST_F(RelpSessionTest, OpenIsAnsweredWithOurOffers) {
  EXPECT_EQ(session_.status(), RelpSession::Status::kAwaitingOpen);
  open();
  EXPECT_EQ(session_.status(), RelpSession::Status::kOpen);
  EXPECT_TRUE(session_.opened());
}

TEST_F(RelpSessionTest, NoAnswerUntilTheMessageIsDurable) {
  open();
  feed(frame(2, "syslog", "<13>one") + frame(3, "syslog", "<13>two"));
  EXPECT_EQ(sink_.messages, (std::vector<std::string>{"<13>one", "<13>two"}));
  EXPECT_EQ(session_.acknowledge(0), 0U);
  EXPECT_EQ(take_output(), "");
  EXPECT_TRUE(session_.waiting());
  EXPECT_EQ(session_.acknowledge(1), 1U);  // the first message's position only
  EXPECT_EQ(take_output(), answer(2, "200 OK"));
  EXPECT_EQ(session_.acknowledge(2), 1U);
  EXPECT_EQ(take_output(), answer(3, "200 OK"));
  EXPECT_FALSE(session_.waiting());
}

TEST_F(RelpSessionTest, AWindowOf128FramesIsAnsweredInOrderInOneOutput) {
  open();
  std::string window;
  for (uint32_t txnr = 2; txnr < 2 + 128; ++txnr) window += frame(txnr, "syslog", "<13>m" + std::to_string(txnr));
  feed(window);
  EXPECT_EQ(sink_.messages.size(), 128U);
  EXPECT_EQ(session_.waiting_frames(), 128U);
  EXPECT_EQ(take_output(), "");  // nothing before it is durable
  EXPECT_EQ(session_.acknowledge(128), 128U);
  std::string expected;
  for (uint32_t txnr = 2; txnr < 2 + 128; ++txnr) expected += answer(txnr, "200 OK");
  EXPECT_EQ(take_output(), expected);
}

TEST_F(RelpSessionTest, CloseIsAnsweredAfterEveryEarlierFrame) {
  open();
  feed(frame(2, "syslog", "<13>last") + frame(3, "close", ""));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFinishing);
  EXPECT_EQ(session_.acknowledge(0), 0U);
  EXPECT_EQ(take_output(), "");  // the close waits behind the message
  EXPECT_EQ(session_.acknowledge(1), 1U);
  EXPECT_EQ(take_output(), answer(2, "200 OK") + answer(3, "200 OK"));
  EXPECT_FALSE(session_.waiting());
}

TEST_F(RelpSessionTest, InputAfterCloseIsNotRead) {
  open();
  feed(frame(2, "close", "") + frame(3, "syslog", "<13>late"));
  EXPECT_TRUE(sink_.messages.empty());
}

TEST_F(RelpSessionTest, ServerCloseFollowsTheAnswersGivenAndDropsTheRest) {
  open();
  feed(frame(2, "syslog", "<13>durable") + frame(3, "syslog", "<13>not yet"));
  session_.acknowledge(1);
  session_.server_close();
  EXPECT_EQ(take_output(), answer(2, "200 OK") + "0 serverclose 0\n");
  EXPECT_FALSE(session_.waiting());
  EXPECT_EQ(session_.status(), RelpSession::Status::kFinishing);
  feed(frame(4, "syslog", "<13>after"));
  EXPECT_EQ(sink_.messages.size(), 2U);
}

TEST_F(RelpSessionTest, AnOverLongMessageIsHandedOnCutShortWithinTheHeadroom) {
  open();
  feed(frame(2, "syslog", std::string(100, 'x')));
  ASSERT_EQ(sink_.messages.size(), 1U);
  EXPECT_EQ(sink_.messages[0], std::string(64, 'x'));
  EXPECT_EQ(truncated_, std::vector<bool>{true});
  EXPECT_EQ(session_.acknowledge(1), 1U);
}

TEST_F(RelpSessionTest, AFrameBeyondTheHeadroomFailsTheSession) {
  open();
  feed("2 syslog " + std::to_string(64 + RelpSession::kDataHeadroom + 1) + " ");
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_NE(session_.failure().find("over the maximum"), std::string::npos) << session_.failure();
}

TEST_F(RelpSessionTest, AnEmptySyslogFrameIsAnsweredWithoutAMessage) {
  open();
  feed(frame(2, "syslog", ""));
  EXPECT_TRUE(sink_.messages.empty());
  EXPECT_EQ(session_.acknowledge(0), 1U);
  EXPECT_EQ(take_output(), answer(2, "200 OK"));
}

TEST_F(RelpSessionTest, TheFirstFrameMustBeOpen) {
  feed(frame(1, "syslog", "<13>too early"));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_TRUE(sink_.messages.empty());
  EXPECT_EQ(take_output(), answer(1, "500 the session must begin with open"));
}

TEST_F(RelpSessionTest, AnOpenWithoutTheSyslogCommandIsRefused) {
  feed(frame(1, "open", "relp_version=0\nrelp_software=x\ncommands=other"));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_EQ(take_output(), answer(1, "500 required command not supported by client"));
}

TEST_F(RelpSessionTest, TheSyslogCommandMayBeOneOfSeveral) {
  feed(frame(1, "open", "relp_version=0\ncommands=other,syslog"));
  EXPECT_EQ(session_.status(), RelpSession::Status::kOpen);
}

TEST_F(RelpSessionTest, ASecondOpenFailsTheSession) {
  open();
  feed(frame(2, "open", kOffers));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_EQ(take_output(), answer(2, "500 the session is open already"));
}

TEST_F(RelpSessionTest, AnUnknownCommandAfterWaitingFramesFailsWithoutAnOutOfOrderAnswer) {
  open();
  feed(frame(2, "syslog", "<13>one") + frame(3, "starttls", ""));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_EQ(take_output(), "");  // 2 was never answered: its sender resends it
  EXPECT_FALSE(session_.waiting());
}

TEST_F(RelpSessionTest, ATransactionNumberOutOfSequenceFailsTheSession) {
  open();
  feed(frame(3, "syslog", "<13>skipped one"));
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_NE(session_.failure().find("transaction number 3 where 2 was due"), std::string::npos);
  EXPECT_TRUE(sink_.messages.empty());
}

TEST_F(RelpSessionTest, GarbageFailsTheSession) {
  feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(session_.status(), RelpSession::Status::kFailed);
  EXPECT_NE(session_.failure().find("not a RELP frame"), std::string::npos);
  EXPECT_EQ(take_output(), "");
}

TEST_F(RelpSessionTest, PartlyWrittenOutputKeepsItsRest) {
  open();
  feed(frame(2, "syslog", "<13>a") + frame(3, "syslog", "<13>b"));
  session_.acknowledge(2);
  const std::string all(session_.output());
  session_.output_written(5);
  EXPECT_EQ(session_.output(), all.substr(5));
  feed(frame(4, "syslog", "<13>c"));
  session_.acknowledge(3);
  EXPECT_EQ(take_output(), all.substr(5) + answer(4, "200 OK"));
}

TEST_F(RelpSessionTest, SplitFramesAreHeldAgainstThePartialBudget) {
  open();
  feed("2 syslog 9 <13>");
  EXPECT_GT(session_.held_bytes(), 0U);
  EXPECT_EQ(session_.held_serial(), 1U);
  feed("hello\n");
  EXPECT_EQ(session_.held_bytes(), 0U);
  EXPECT_EQ(sink_.messages, std::vector<std::string>{"<13>hello"});
}

}  // namespace
}  // namespace kinesyslog::net
