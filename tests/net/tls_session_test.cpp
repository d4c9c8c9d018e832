#include "net/tls_session.hpp"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"
#include "net/tls_server_context.hpp"
#include "test_pki.hpp"
#include "tls_test_support.hpp"

namespace kinesyslog::net {
namespace {

using kinesyslog::testing::ClientOptions;
using kinesyslog::testing::Credential;
using kinesyslog::testing::CredentialFiles;
using kinesyslog::testing::loopback_tcp_pair;
using kinesyslog::testing::make_credential;
using kinesyslog::testing::pump_handshake;
using kinesyslog::testing::pump_to_client;
using kinesyslog::testing::pump_to_server;
using kinesyslog::testing::SocketPair;
using kinesyslog::testing::TemporaryDirectory;
using kinesyslog::testing::TlsTestClient;
using kinesyslog::testing::write_credential;
using kinesyslog::testing::write_pem;

const SteadyTime kAccepted = SteadyTime{} + std::chrono::hours(5);

// A payload whose every offset differs, so a lost, repeated or reordered piece shows.
std::string numbered_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return bytes;
}

// Waits (bounded) until `fd` holds at least `bytes` unread bytes.
bool wait_for_unread_bytes(int fd, int bytes) {
  for (int round = 0; round < 200; ++round) {
    int unread = 0;
    ::ioctl(fd, FIONREAD, &unread);
    if (unread >= bytes) return true;
    pollfd readable{fd, POLLIN, 0};
    ::poll(&readable, 1, 10);
  }
  return false;
}

bool socket_is_readable(int fd) {
  pollfd readable{fd, POLLIN, 0};
  return ::poll(&readable, 1, 0) == 1;
}

class TlsSessionTest : public ::testing::Test {
 protected:
  TlsSessionTest()
      : ca_(make_credential("Test CA", nullptr)), server_credential_(make_credential("relay.test", &ca_)),
        server_files_(write_credential(directory_.path(), "server", server_credential_)) {
    write_pem(ca_file(), ca_.certificate.get());
  }

  std::filesystem::path ca_file() const { return directory_.path() / "ca.pem"; }
  TlsServerContext server_context(bool with_client_ca = false) const {
    return TlsServerContext({server_files_.certificate, server_files_.key, with_client_ca ? ca_file() : ""});
  }

  TemporaryDirectory directory_;
  Credential ca_;
  Credential server_credential_;
  CredentialFiles server_files_;
  SocketPair pair_ = loopback_tcp_pair();
};

TEST_F(TlsSessionTest, HandshakeCompletesWithTls13ByDefault) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  EXPECT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  EXPECT_EQ(server.handshake(), TlsHandshakeStatus::kDone);  // and stays done
  EXPECT_TRUE(client.handshake_done());
  EXPECT_STREQ(SSL_get_version(client.ssl()), "TLSv1.3");  // what both ends agreed on
  EXPECT_EQ(server.peer_certificate_subject(), "");
}

TEST_F(TlsSessionTest, HandshakeCompletesWithTls12Client) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get(), ClientOptions{TLS1_2_VERSION, TLS1_2_VERSION, {}, {}});
  EXPECT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  EXPECT_STREQ(SSL_get_version(client.ssl()), "TLSv1.2");
}

TEST_F(TlsSessionTest, Tls11ClientIsRefused) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get(), ClientOptions{TLS1_1_VERSION, TLS1_1_VERSION, {}, {}});
  EXPECT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kFailed);
  EXPECT_NE(server.failure_reason().find("unsupported protocol"), std::string::npos) << server.failure_reason();
  EXPECT_FALSE(client.handshake_done());
}

TEST_F(TlsSessionTest, HandshakeWaitsForASilentClientWithoutBlocking) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  EXPECT_EQ(server.handshake(), TlsHandshakeStatus::kWantRead);
  EXPECT_EQ(server.handshake(), TlsHandshakeStatus::kWantRead);  // not done
  EXPECT_NE(server.handshake(), TlsHandshakeStatus::kDone);
}

TEST_F(TlsSessionTest, HandshakeStartedIsWhenTheSessionWasCreated) {
  const TlsServerContext context = server_context();
  const TlsSession server(context, pair_.server.get(), {}, kAccepted);
  EXPECT_EQ(server.handshake_started(), kAccepted);
  EXPECT_EQ(kTlsHandshakeTimeout, std::chrono::seconds(10));
}

TEST_F(TlsSessionTest, SmallMessagesFlowBothWays) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  EXPECT_EQ(pump_to_server(client, server, pair_, "<13>1 - host app - - - hello\n", 4096), "<13>1 - host app - - - hello\n");
  EXPECT_EQ(pump_to_client(server, client, pair_, "ok"), "ok");
}

TEST_F(TlsSessionTest, LargeTransfersSpanningManyRecordsFlowBothWays) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  const std::string upstream = numbered_bytes(300 * 1024);
  // A read buffer smaller than one 16 KiB record, and one larger than several.
  EXPECT_EQ(pump_to_server(client, server, pair_, upstream, 1000), upstream);
  EXPECT_EQ(pump_to_server(client, server, pair_, upstream, 64 * 1024), upstream);
  const std::string downstream = numbered_bytes(200 * 1024 + 17);
  EXPECT_EQ(pump_to_client(server, client, pair_, downstream), downstream);
}

TEST_F(TlsSessionTest, DecryptedBytesLeftInsideOpenSslAreReportedAsBuffered) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  const std::string record = numbered_bytes(10000);
  ASSERT_EQ(client.write_some(record), record.size());
  ASSERT_TRUE(wait_for_unread_bytes(pair_.server.get(), static_cast<int>(record.size()) + 22));  // TLS 1.3 record overhead

  char small[100];
  const TlsIoResult first = server.read(small);
  ASSERT_EQ(first.status, TlsIoStatus::kBytes);
  EXPECT_EQ(first.bytes, sizeof small);
  // The socket is empty, so epoll would stay silent: only has_buffered_input() tells.
  EXPECT_FALSE(socket_is_readable(pair_.server.get()));
  EXPECT_TRUE(server.has_buffered_input());

  std::string received(small, sizeof small);
  while (server.has_buffered_input()) {
    const TlsIoResult next = server.read(small);
    ASSERT_EQ(next.status, TlsIoStatus::kBytes);
    received.append(small, next.bytes);
  }
  EXPECT_EQ(received, record);
  EXPECT_EQ(server.read(small).status, TlsIoStatus::kWantRead);
}

// Senders like loggen, rsyslog and syslog-ng write one small record per message. Read-ahead
// takes all of them from the socket at once (not a 5-byte header, then a body, per record);
// what is left inside OpenSSL is still reported, since epoll no longer sees it.
TEST_F(TlsSessionTest, ManySmallRecordsAreReadAheadAndReportedAsBuffered) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  constexpr int kRecords = 100;
  std::string sent;
  for (int i = 0; i < kRecords; ++i) {
    const std::string message = "<13>1 - host app - - - message " + std::to_string(1000 + i) + "\n";
    ASSERT_EQ(client.write_some(message), message.size());  // one record each
    sent += message;
  }
  ASSERT_TRUE(wait_for_unread_bytes(pair_.server.get(), static_cast<int>(sent.size()) + kRecords * 22));

  char one_message[36];
  ASSERT_EQ(sizeof one_message, sent.size() / kRecords);
  const TlsIoResult first = server.read(one_message);
  ASSERT_EQ(first.status, TlsIoStatus::kBytes);
  EXPECT_EQ(first.bytes, sizeof one_message);
  EXPECT_FALSE(socket_is_readable(pair_.server.get())) << "every record was read ahead";
  EXPECT_TRUE(server.has_buffered_input());

  std::string received(one_message, first.bytes);
  for (int guard = 0; guard < kRecords && server.has_buffered_input(); ++guard) {
    const TlsIoResult next = server.read(one_message);
    ASSERT_EQ(next.status, TlsIoStatus::kBytes);
    received.append(one_message, next.bytes);
  }
  EXPECT_EQ(received, sent);
  EXPECT_FALSE(server.has_buffered_input());
  EXPECT_EQ(server.read(one_message).status, TlsIoStatus::kWantRead);
}

TEST_F(TlsSessionTest, ClientKeyUpdateMidStreamKeepsBothDirectionsInStep) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  ASSERT_EQ(pump_to_server(client, server, pair_, "before\n", 4096), "before\n");
  // RFC 8446 §4.6.3: new client keys, and a request that the server update its own.
  ASSERT_EQ(SSL_key_update(client.ssl(), SSL_KEY_UPDATE_REQUESTED), 1);
  EXPECT_EQ(pump_to_server(client, server, pair_, "after\n", 4096), "after\n");
  // OpenSSL answers with the server's KeyUpdate before its next write; the client follows.
  EXPECT_EQ(pump_to_client(server, client, pair_, "still in step"), "still in step");
  EXPECT_EQ(pump_to_server(client, server, pair_, "and on\n", 4096), "and on\n");
}

// The PROXY case: the loop read the header and the start of the ClientHello in one recv().
class TlsSessionWithBytesAlreadyRead : public TlsSessionTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(TlsSessionWithBytesAlreadyRead, HandshakeCompletesAndDataFlows) {
  const std::string proxy_header = "PROXY TCP4 192.0.2.1 198.51.100.2 40000 6514\r\n";
  ASSERT_EQ(::send(pair_.client.get(), proxy_header.data(), proxy_header.size(), 0),
            static_cast<ssize_t>(proxy_header.size()));
  TlsTestClient client(pair_.client.get());
  client.step_handshake();  // the whole ClientHello is now on the socket
  ASSERT_TRUE(wait_for_unread_bytes(pair_.server.get(), static_cast<int>(proxy_header.size()) + 100));

  const size_t client_hello_bytes = GetParam();
  std::string first_read(64 * 1024, '\0');
  const size_t wanted = client_hello_bytes == std::numeric_limits<size_t>::max() ? first_read.size()
                                                                                  : proxy_header.size() + client_hello_bytes;
  const ssize_t count = ::recv(pair_.server.get(), first_read.data(), wanted, 0);
  ASSERT_GE(count, static_cast<ssize_t>(proxy_header.size()) + 1);
  first_read.resize(static_cast<size_t>(count));
  ASSERT_EQ(first_read.substr(0, proxy_header.size()), proxy_header);

  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), std::string_view(first_read).substr(proxy_header.size()), kAccepted);
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  EXPECT_EQ(pump_to_server(client, server, pair_, "after the proxy header\n", 4096), "after the proxy header\n");
}

// One byte; the 5-byte record header exactly; inside the body; everything the socket held.
INSTANTIATE_TEST_SUITE_P(ClientHelloSplit, TlsSessionWithBytesAlreadyRead,
                         ::testing::Values(size_t{1}, size_t{5}, size_t{100}, std::numeric_limits<size_t>::max()));

TEST_F(TlsSessionTest, ClientCertificateChainingToTheCaIsAccepted) {
  const Credential client_credential = make_credential("client.test", &ca_);
  const CredentialFiles client_files = write_credential(directory_.path(), "client", client_credential);
  const TlsServerContext context = server_context(true);
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get(), ClientOptions{TLS1_2_VERSION, TLS1_3_VERSION, client_files.certificate,
                                                         client_files.key});
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  EXPECT_EQ(server.peer_certificate_subject(), "CN=client.test");
  EXPECT_EQ(pump_to_server(client, server, pair_, "verified\n", 4096), "verified\n");
}

TEST_F(TlsSessionTest, ClientWithoutCertificateIsRefusedWhenTheCaIsRequired) {
  const TlsServerContext context = server_context(true);
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  EXPECT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kFailed);
  EXPECT_NE(server.failure_reason().find("peer did not return a certificate"), std::string::npos)
      << server.failure_reason();
}

TEST_F(TlsSessionTest, ClientCertificateFromAnotherCaIsRefused) {
  const Credential other_ca = make_credential("Other CA", nullptr);
  const Credential client_credential = make_credential("client.test", &other_ca);
  const CredentialFiles client_files = write_credential(directory_.path(), "client", client_credential);
  const TlsServerContext context = server_context(true);
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get(), ClientOptions{TLS1_2_VERSION, TLS1_3_VERSION, client_files.certificate,
                                                         client_files.key});
  EXPECT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kFailed);
  EXPECT_NE(server.failure_reason().find("certificate verify failed"), std::string::npos) << server.failure_reason();
  EXPECT_NE(server.failure_reason().find("unable to get local issuer certificate"), std::string::npos)
      << server.failure_reason();
}

TEST_F(TlsSessionTest, PeerSendingCloseNotifyIsReportedAsClosedAfterItsLastBytes) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  ASSERT_EQ(client.write_some("last words\n"), 11U);
  ASSERT_EQ(SSL_shutdown(client.ssl()), 0);  // close_notify sent, the server's not yet seen
  ASSERT_TRUE(wait_for_unread_bytes(pair_.server.get(), 11 + 22 + 24));  // data record + close_notify alert

  char buffer[4096];
  const TlsIoResult data = server.read(buffer);
  ASSERT_EQ(data.status, TlsIoStatus::kBytes);
  EXPECT_EQ(std::string(buffer, data.bytes), "last words\n");
  EXPECT_EQ(server.read(buffer).status, TlsIoStatus::kClosed);
  EXPECT_EQ(server.read(buffer).status, TlsIoStatus::kClosed);
}

TEST_F(TlsSessionTest, PeerClosingWithoutCloseNotifyIsReportedAsClosed) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  ASSERT_EQ(client.write_some("cut short\n"), 10U);
  pair_.client.reset();

  std::string received;
  char buffer[4096];
  TlsIoResult result;
  for (int round = 0; round < 100; ++round) {
    result = server.read(buffer);
    if (result.status == TlsIoStatus::kBytes) received.append(buffer, result.bytes);
    if (result.status != TlsIoStatus::kBytes && result.status != TlsIoStatus::kWantRead) break;
    pollfd readable{pair_.server.get(), POLLIN, 0};
    ::poll(&readable, 1, 10);
  }
  EXPECT_EQ(received, "cut short\n");
  EXPECT_EQ(result.status, TlsIoStatus::kClosed) << server.failure_reason();
}

TEST_F(TlsSessionTest, PeerResettingTheConnectionIsReportedAsClosed) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  const linger reset_on_close{1, 0};
  ASSERT_EQ(::setsockopt(pair_.client.get(), SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close), 0);
  pair_.client.reset();
  pollfd readable{pair_.server.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 1000), 1);  // the reset has arrived

  char buffer[4096];
  EXPECT_EQ(server.read(buffer).status, TlsIoStatus::kClosed) << server.failure_reason();
  EXPECT_NE(server.failure_reason().find("reset"), std::string::npos) << server.failure_reason();
}

TEST_F(TlsSessionTest, ShutdownSendsCloseNotify) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  server.shutdown();
  int error = SSL_ERROR_WANT_READ;
  std::string ignored;
  for (int round = 0; round < 100 && error == SSL_ERROR_WANT_READ; ++round) {
    error = client.read_some(ignored);
    if (error == SSL_ERROR_WANT_READ) ::poll(nullptr, 0, 10);
  }
  EXPECT_EQ(error, SSL_ERROR_ZERO_RETURN);
}

TEST_F(TlsSessionTest, WritingToAPeerThatIsGoneEndsWithoutSigpipe) {
  const TlsServerContext context = server_context();
  TlsSession server(context, pair_.server.get(), {}, kAccepted);
  TlsTestClient client(pair_.client.get());
  ASSERT_EQ(pump_handshake(server, client, pair_), TlsHandshakeStatus::kDone) << server.failure_reason();
  pair_.client.reset();
  // The default action would end this test process if the session wrote with write(2).
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  const std::string chunk(4096, 'x');
  TlsIoResult result{TlsIoStatus::kBytes, 0};
  for (int round = 0; round < 100 && result.status == TlsIoStatus::kBytes; ++round) {
    result = server.write(chunk);
    ::poll(nullptr, 0, 1);
  }
  std::signal(SIGPIPE, previous);
  EXPECT_EQ(result.status, TlsIoStatus::kClosed) << server.failure_reason();
}

}  // namespace
}  // namespace kinesyslog::net
