#include "relay/io_event_reporter.hpp"

#include <string>

#include <gtest/gtest.h>

#include "support/captured_log.hpp"

namespace kinesyslog::relay {
namespace {

const WallTime kNow = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24}};

size_t occurrences(const std::string& text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

class IoEventReporterTest : public ::testing::Test {
 protected:
  ManualClock clock_{kNow};
  metrics::RelayCounters counters_;
  IoEventReporter reporter_{counters_, clock_};
};

TEST_F(IoEventReporterTest, EachIoDropIsCountedUnderItsReason) {
  reporter_.dropped(net::IoDrop::kTruncated, 1);
  reporter_.dropped(net::IoDrop::kUdpOverflow, 2);
  reporter_.dropped(net::IoDrop::kGelfIncomplete, 3);
  reporter_.dropped(net::IoDrop::kGelfInvalid, 4);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kTruncated), 1u);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kUdpOverflow), 2u);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kGelfIncomplete), 3u);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kGelfInvalid), 4u);
}

TEST_F(IoEventReporterTest, RelpSessionsAndAcknowledgementsAreCountedPerPort) {
  counters_.relp_ports.try_emplace(2514);
  reporter_.relp_session_opened(2514);
  reporter_.relp_session_opened(2514);
  reporter_.relp_session_closed(2514);
  reporter_.relp_frames_acked(2514, 128);
  reporter_.relp_frames_acked(9999, 5);  // not a RELP port: nothing to count it in
  EXPECT_EQ(counters_.relp_ports.at(2514).sessions.load(), 1);
  EXPECT_EQ(counters_.relp_ports.at(2514).frames_acked.load(), 128u);
  EXPECT_EQ(counters_.relp_ports.size(), 1u);
}

TEST_F(IoEventReporterTest, AFailedRelpSessionIsCountedAndLogged) {
  testing::CapturedLog log;
  reporter_.relp_session_failed({"10.0.0.7", 2514}, "not a RELP frame: expected a command, got '<'");
  EXPECT_EQ(counters_.drops(metrics::DropReason::kRelpProtocolError), 1u);
  EXPECT_NE(log.text().find("closed the RELP session from 10.0.0.7 on port 2514: not a RELP frame"), std::string::npos)
      << log.text();
}

TEST_F(IoEventReporterTest, ConnectionsAndLoopsAreCounted) {
  reporter_.loop_started();
  reporter_.datagrams_received(5);
  const net::ListenerSpec tcp{net::Transport::kTcp, 514, Protocol::kSyslog};
  reporter_.connection_refused(tcp, *IpAddress::parse("127.0.0.1"), "connections open on this port", 2);
  reporter_.idle_timed_out({"127.0.0.1", 514}, 600);
  EXPECT_EQ(counters_.io_threads_running.load(), 1);
  EXPECT_EQ(counters_.udp_datagrams.load(), 5u);
  EXPECT_EQ(counters_.connections_refused.load(), 1u);
  EXPECT_EQ(counters_.connections_timed_out.load(), 1u);
  reporter_.loop_stopped();
  EXPECT_EQ(counters_.io_threads_running.load(), 0);
}

// Two refusals for different reasons within the same minute (the manual clock stands still):
// both are logged, neither hides the other; the same reason again within the minute is held back.
TEST_F(IoEventReporterTest, EachKindOfFailedTlsHandshakeIsLoggedWithThePeer) {
  testing::CapturedLog log;
  reporter_.tls_handshake_failed({"127.0.0.1", 6514}, "http request");
  reporter_.tls_handshake_failed({"127.0.0.1", 6514}, "unsupported protocol");
  reporter_.tls_handshake_failed({"127.0.0.1", 6514}, "http request");
  reporter_.tls_handshake_timed_out({"127.0.0.1", 6514}, 10);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kTlsRefused), 4u);
  const std::string text = log.text();
  EXPECT_NE(text.find("TLS handshake with 127.0.0.1 on port 6514 failed: http request"), std::string::npos) << text;
  EXPECT_NE(text.find("failed: unsupported protocol"), std::string::npos) << text;
  EXPECT_EQ(occurrences(text, "TLS handshake with"), 2u) << text;
  EXPECT_NE(text.find("closed the connection from 127.0.0.1 on port 6514: TLS handshake not done within 10 s"),
            std::string::npos)
      << text;
}

TEST_F(IoEventReporterTest, EveryFailedProxyHeaderIsABadProxyHeaderDrop) {
  testing::CapturedLog log;
  reporter_.unlisted_proxy_peer(*IpAddress::parse("127.0.0.1"), 601);
  reporter_.bad_proxy_header({"127.0.0.3", 601}, "not a PROXY header");  // same cause: held back
  IoEventReporter other_thread{counters_, clock_};
  other_thread.bad_proxy_header({"127.0.0.3", 601}, "not a PROXY header");
  reporter_.proxy_header_over_budget({"127.0.0.4", 601});
  reporter_.proxy_header_timed_out({"127.0.0.5", 601}, 5);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kBadProxyHeader), 5u);
  const std::string text = log.text();
  EXPECT_NE(text.find("closed the connection from 127.0.0.1 on port 601: not a --proxy-from address"),
            std::string::npos)
      << text;
  EXPECT_EQ(occurrences(text, "closed the connection from 127.0.0.3 on port 601: not a PROXY header"), 1u) << text;
  EXPECT_NE(text.find("closed the connection from 127.0.0.5 on port 601: no PROXY header within 5 s"),
            std::string::npos)
      << text;
}

TEST_F(IoEventReporterTest, BadFramesAreCountedAndLogged) {
  testing::CapturedLog log;
  reporter_.bad_frames({"127.0.0.1", 514}, 2);
  EXPECT_EQ(counters_.drops(metrics::DropReason::kBadFrame), 2u);
  EXPECT_NE(log.text().find("skipped 2 empty octet-counted frame(s) (\"0 \") from 127.0.0.1 on port 514"),
            std::string::npos)
      << log.text();
}

}  // namespace
}  // namespace kinesyslog::relay
