#include "net/stream_connection.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "net/tls_server_context.hpp"
#include "test_pki.hpp"
#include "tls_test_support.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::net {
namespace {

using testing::CredentialFiles;
using testing::SocketPair;
using testing::TlsTestClient;

constexpr int kPumpRounds = 500;

class StreamConnectionTest : public ::testing::Test {
 protected:
  StreamConnectionTest()
      : ca_(testing::make_credential("Test CA", nullptr)),
        server_(testing::make_credential("relay.test", &ca_)),
        server_files_(testing::write_credential(directory_.path(), "server", server_)) {}

  StreamConnection accept(bool proxy_protocol, bool tls) {
    const ListenerSpec spec{tls ? Transport::kTls : Transport::kTcp, 6514, Protocol::kSyslog, proxy_protocol};
    std::shared_ptr<const TlsServerContext> context;
    if (tls) context = std::make_shared<TlsServerContext>(TlsServerPaths{server_files_.certificate, server_files_.key, ""});
    return StreamConnection(std::move(pair_.server), spec, {*IpAddress::parse("127.0.0.1"), 6514, Protocol::kSyslog},
                            1024, std::move(context), SteadyTime{});
  }

  void send_raw(std::string_view bytes) {
    ASSERT_EQ(::send(pair_.client.get(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }

  // Serves `connection` until `count` messages arrived or it stopped; the TLS client (if any) is stepped too.
  StreamConnection::Outcome serve(StreamConnection& connection, size_t count, TlsTestClient* client = nullptr,
                                  int rounds = kPumpRounds) {
    auto outcome = StreamConnection::Outcome::kWaitReadable;
    for (int round = 0; round < rounds && messages_.size() < count; ++round) {
      if (client != nullptr) client->step_handshake();
      outcome = connection.on_ready(buffer_, 4, SteadyTime{}, [&](std::string_view message, bool) {
        messages_.emplace_back(message);
      });
      if (outcome != StreamConnection::Outcome::kWaitReadable && outcome != StreamConnection::Outcome::kWaitWritable &&
          outcome != StreamConnection::Outcome::kReadAgain) {
        break;
      }
      testing::wait_briefly(pair_.client.get(), connection.fd());
    }
    return outcome;
  }

  testing::TemporaryDirectory directory_;
  testing::Credential ca_;
  testing::Credential server_;
  CredentialFiles server_files_;
  SocketPair pair_ = testing::loopback_tcp_pair();
  std::vector<char> buffer_ = std::vector<char>(16384);
  std::vector<std::string> messages_;
};

TEST_F(StreamConnectionTest, PlainConnectionFramesMessagesFromTheRealPeer) {
  auto connection = accept(false, false);
  send_raw("<13>one\n5 <13>2");
  serve(connection, 2);
  EXPECT_EQ(messages_, (std::vector<std::string>{"<13>one", "<13>2"}));
  EXPECT_EQ(connection.source_text(), "127.0.0.1");
  EXPECT_FALSE(connection.phase_deadline());
}

TEST_F(StreamConnectionTest, ProxyHeaderSourceBecomesTheEventSource) {
  auto connection = accept(true, false);
  EXPECT_EQ(connection.phase(), StreamConnection::Phase::kProxyHeader);
  send_raw("PROXY TCP4 192.0.2.44 127.0.0.1 40000 6514\r\n<13>behind a balancer\n");
  serve(connection, 1);
  EXPECT_EQ(messages_, (std::vector<std::string>{"<13>behind a balancer"}));
  EXPECT_EQ(connection.source_text(), "192.0.2.44");
  EXPECT_EQ(connection.key().source, *IpAddress::parse("192.0.2.44"));
}

TEST_F(StreamConnectionTest, ProxyUnknownKeepsTheRealPeer) {
  auto connection = accept(true, false);
  send_raw("PROXY UNKNOWN\r\n<13>health check\n");
  serve(connection, 1);
  EXPECT_EQ(messages_.size(), 1u);
  EXPECT_EQ(connection.source_text(), "127.0.0.1");
}

TEST_F(StreamConnectionTest, GarbageInsteadOfAProxyHeaderIsRefusedAtOnce) {
  auto connection = accept(true, false);
  send_raw("<13>no header\n");
  EXPECT_EQ(serve(connection, 1), StreamConnection::Outcome::kBadProxyHeader);
  EXPECT_TRUE(messages_.empty());
  EXPECT_FALSE(connection.failure().empty());
}

TEST_F(StreamConnectionTest, PeerClosingInsideTheProxyHeaderIsABadHeader) {
  auto connection = accept(true, false);
  send_raw("PROXY TCP4 192.0.2.1");
  serve(connection, 1, nullptr, 5);
  pair_.client.reset();
  EXPECT_EQ(serve(connection, 1), StreamConnection::Outcome::kBadProxyHeader);
}

TEST_F(StreamConnectionTest, PhaseDeadlinesAreFiveSecondsForTheHeaderAndTenForTheHandshake) {
  auto proxied = accept(true, false);
  EXPECT_EQ(proxied.phase_deadline(), SteadyTime{} + std::chrono::seconds(5));
  pair_ = testing::loopback_tcp_pair();
  auto tls = accept(false, true);
  EXPECT_EQ(tls.phase(), StreamConnection::Phase::kTlsHandshake);
  EXPECT_EQ(tls.phase_deadline(), SteadyTime{} + std::chrono::seconds(10));
}

TEST_F(StreamConnectionTest, TlsMessagesArriveAfterTheHandshake) {
  auto connection = accept(false, true);
  TlsTestClient client(pair_.client.get());
  for (int round = 0; round < kPumpRounds && connection.phase() != StreamConnection::Phase::kMessages; ++round) {
    serve(connection, 0, &client);
    client.step_handshake();
    connection.on_ready(buffer_, 1, SteadyTime{}, [&](std::string_view message, bool) { messages_.emplace_back(message); });
    testing::wait_briefly(pair_.client.get(), connection.fd());
  }
  ASSERT_EQ(connection.phase(), StreamConnection::Phase::kMessages);
  ASSERT_EQ(client.write_some("19 <13>over TLS, counted<13>second\n"), 35u);
  serve(connection, 2, &client);
  EXPECT_EQ(messages_, (std::vector<std::string>{"<13>over TLS, count", "ed<13>second"}));
}

// The PROXY header and the ClientHello usually arrive in one read: the bytes after the
// header must reach the TLS session untouched.
TEST_F(StreamConnectionTest, ProxyHeaderAndClientHelloInOneRead) {
  auto connection = accept(true, true);
  send_raw("PROXY TCP6 2001:db8::7 ::1 40000 6514\r\n");
  TlsTestClient client(pair_.client.get());
  client.step_handshake();  // writes the ClientHello right behind the header
  for (int round = 0; round < kPumpRounds && connection.phase() != StreamConnection::Phase::kMessages; ++round) {
    client.step_handshake();
    const auto outcome =
        connection.on_ready(buffer_, 1, SteadyTime{}, [&](std::string_view message, bool) { messages_.emplace_back(message); });
    ASSERT_NE(outcome, StreamConnection::Outcome::kBadProxyHeader) << connection.failure();
    ASSERT_NE(outcome, StreamConnection::Outcome::kTlsFailed) << connection.failure();
    testing::wait_briefly(pair_.client.get(), connection.fd());
  }
  ASSERT_EQ(connection.phase(), StreamConnection::Phase::kMessages);
  EXPECT_EQ(connection.source_text(), "2001:db8::7");
  client.write_some("<13>from behind haproxy\n");
  serve(connection, 1, &client);
  EXPECT_EQ(messages_, (std::vector<std::string>{"<13>from behind haproxy"}));
}

TEST_F(StreamConnectionTest, ClosingPeerHandsOnTheUnterminatedLastMessage) {
  auto connection = accept(false, false);
  send_raw("<13>no newline at the end");
  serve(connection, 1, nullptr, 5);
  pair_.client.reset();
  EXPECT_EQ(serve(connection, 1), StreamConnection::Outcome::kClosed);
  connection.finish([&](std::string_view message, bool) { messages_.emplace_back(message); });
  EXPECT_EQ(messages_, (std::vector<std::string>{"<13>no newline at the end"}));
}

}  // namespace
}  // namespace kinesyslog::net
