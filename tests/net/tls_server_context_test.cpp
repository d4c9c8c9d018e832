#include "net/tls_server_context.hpp"

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"
#include "net/tls_context_holder.hpp"
#include "net/tls_error.hpp"
#include "net/tls_session.hpp"
#include "test_pki.hpp"
#include "tls_test_support.hpp"

namespace kinesyslog::net {
namespace {

using kinesyslog::testing::common_name;
using kinesyslog::testing::Credential;
using kinesyslog::testing::CredentialFiles;
using kinesyslog::testing::loopback_tcp_pair;
using kinesyslog::testing::make_credential;
using kinesyslog::testing::pump_handshake;
using kinesyslog::testing::SocketPair;
using kinesyslog::testing::TemporaryDirectory;
using kinesyslog::testing::TlsTestClient;
using kinesyslog::testing::write_credential;
using kinesyslog::testing::write_pem;
using kinesyslog::testing::write_whole_file;

// The message TlsServerContext throws for `paths`, or "" when it builds.
std::string load_error(const TlsServerPaths& paths) {
  try {
    TlsServerContext context(paths);
    return "";
  } catch (const TlsConfigError& error) {
    return error.what();
  }
}

std::string served_common_name(const TlsServerContext& context) {
  return common_name(SSL_CTX_get0_certificate(context.native()));
}

class TlsServerContextTest : public ::testing::Test {
 protected:
  TlsServerContextTest()
      : ca_(make_credential("Test CA", nullptr)), server_(make_credential("relay.test", &ca_)),
        files_(write_credential(directory_.path(), "server", server_)) {
    write_pem(ca_file(), ca_.certificate.get());
  }
  std::filesystem::path ca_file() const { return directory_.path() / "ca.pem"; }

  TemporaryDirectory directory_;
  Credential ca_;
  Credential server_;
  CredentialFiles files_;
};

TEST_F(TlsServerContextTest, AcceptsOnlyTls12AndTls13) {
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context.native()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(context.native()), TLS1_3_VERSION);
}

TEST_F(TlsServerContextTest, IssuesNoSessionTickets) {
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_NE(SSL_CTX_get_options(context.native()) & SSL_OP_NO_TICKET, 0U);
  EXPECT_EQ(SSL_CTX_get_num_tickets(context.native()), 0U);
}

TEST_F(TlsServerContextTest, ReadsAhead) {
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_EQ(SSL_CTX_get_read_ahead(context.native()), 1);
}

// An idle connection gives back OpenSSL's read and write buffers (thousands of idle senders).
TEST_F(TlsServerContextTest, ReleasesBuffersWhileIdle) {
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_NE(SSL_CTX_get_mode(context.native()) & SSL_MODE_RELEASE_BUFFERS, 0U);
}

TEST_F(TlsServerContextTest, WithoutClientCaAsksForNoCertificate) {
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_EQ(SSL_CTX_get_verify_mode(context.native()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 0);  // requires none
  EXPECT_EQ(SSL_CTX_get_verify_mode(context.native()), SSL_VERIFY_NONE);
}

TEST_F(TlsServerContextTest, WithClientCaRequiresACertificateAndNamesTheCa) {
  const TlsServerContext context({files_.certificate, files_.key, ca_file()});
  EXPECT_NE(SSL_CTX_get_verify_mode(context.native()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 0);  // requires one
  EXPECT_EQ(SSL_CTX_get_verify_mode(context.native()), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  STACK_OF(X509_NAME)* names = SSL_CTX_get_client_CA_list(context.native());
  ASSERT_EQ(sk_X509_NAME_num(names), 1);
  char text[64] = {};
  X509_NAME_get_text_by_NID(sk_X509_NAME_value(names, 0), NID_commonName, text, sizeof text);
  EXPECT_STREQ(text, "Test CA");
}

TEST_F(TlsServerContextTest, ServesTheWholeChainFromTheCertificateFile) {
  write_pem(files_.certificate, ca_.certificate.get(), /*append=*/true);
  const TlsServerContext context({files_.certificate, files_.key, ""});
  EXPECT_EQ(served_common_name(context), "relay.test");
  STACK_OF(X509)* chain = nullptr;
  ASSERT_EQ(SSL_CTX_get0_chain_certs(context.native(), &chain), 1);
  ASSERT_EQ(sk_X509_num(chain), 1);
  EXPECT_EQ(common_name(sk_X509_value(chain, 0)), "Test CA");
}

TEST_F(TlsServerContextTest, MissingCertificateFileIsNamedWithTheSystemReason) {
  const auto missing = directory_.path() / "missing.crt";
  const std::string error = load_error({missing, files_.key, ""});
  EXPECT_NE(error.find(missing.string()), std::string::npos) << error;
  EXPECT_NE(error.find("--cert"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, CertificateFileThatIsNotPemIsNamedWithOpenSslsReason) {
  const auto not_pem = directory_.path() / "not.crt";
  write_whole_file(not_pem, "this is not a certificate\n");
  const std::string error = load_error({not_pem, files_.key, ""});
  EXPECT_NE(error.find(not_pem.string()), std::string::npos) << error;
  EXPECT_NE(error.find("no start line"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, MissingKeyFileIsNamed) {
  const auto missing = directory_.path() / "missing.key";
  const std::string error = load_error({files_.certificate, missing, ""});
  EXPECT_NE(error.find(missing.string()), std::string::npos) << error;
  EXPECT_NE(error.find("--key"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, KeyThatDoesNotMatchTheCertificateIsNamed) {
  const Credential other = make_credential("other.test", &ca_);
  const CredentialFiles other_files = write_credential(directory_.path(), "other", other);
  const std::string error = load_error({files_.certificate, other_files.key, ""});
  EXPECT_NE(error.find(other_files.key.string()), std::string::npos) << error;
  EXPECT_NE(error.find(files_.certificate.string()), std::string::npos) << error;
  EXPECT_NE(error.find("key values mismatch"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, KeyWithAPassPhraseIsRefusedWithoutPrompting) {
  write_pem(files_.key, server_.key.get(), "secret");
  const std::string error = load_error({files_.certificate, files_.key, ""});
  EXPECT_NE(error.find(files_.key.string()), std::string::npos) << error;
  EXPECT_NE(error.find("without a pass phrase"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, KeyFileThatIsNotPemIsNamed) {
  write_whole_file(files_.key, "this is not a key\n");
  const std::string error = load_error({files_.certificate, files_.key, ""});
  EXPECT_NE(error.find("cannot load the TLS private key (--key) from " + files_.key.string()), std::string::npos)
      << error;
}

TEST_F(TlsServerContextTest, MissingClientCaIsNamed) {
  const auto missing = directory_.path() / "missing-ca.pem";
  const std::string error = load_error({files_.certificate, files_.key, missing});
  EXPECT_NE(error.find(missing.string()), std::string::npos) << error;
  EXPECT_NE(error.find("--client-ca"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, ClientCaFileWithoutCertificatesIsNamed) {
  const auto empty = directory_.path() / "empty-ca.pem";
  write_whole_file(empty, "no certificates here\n");
  const std::string error = load_error({files_.certificate, files_.key, empty});
  EXPECT_NE(error.find(empty.string()), std::string::npos) << error;
  EXPECT_NE(error.find("--client-ca"), std::string::npos) << error;
}

TEST_F(TlsServerContextTest, HolderStartsWithTheFilesContextOrThrows) {
  EXPECT_EQ(served_common_name(*TlsContextHolder({files_.certificate, files_.key, ""}).current()), "relay.test");
  EXPECT_THROW(TlsContextHolder({directory_.path() / "missing.crt", files_.key, ""}), TlsConfigError);
}

TEST_F(TlsServerContextTest, ReloadSwapsTheContextForNewSessionsOnly) {
  TlsContextHolder holder({files_.certificate, files_.key, ""});
  SocketPair before_pair = loopback_tcp_pair();
  // The holder's reference is the only other one; after the reload only the session's remains.
  TlsSession before(*holder.current(), before_pair.server.get(), {}, SteadyTime{});

  const Credential renewed = make_credential("renewed.test", &ca_);
  write_credential(directory_.path(), "server", renewed);
  const TlsReloadResult result = holder.reload();
  ASSERT_TRUE(result.reloaded) << result.error;
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(served_common_name(*holder.current()), "renewed.test");

  SocketPair after_pair = loopback_tcp_pair();
  TlsSession after(*holder.current(), after_pair.server.get(), {}, SteadyTime{});
  TlsTestClient before_client(before_pair.client.get());
  TlsTestClient after_client(after_pair.client.get());
  ASSERT_EQ(pump_handshake(before, before_client, before_pair), TlsHandshakeStatus::kDone) << before.failure_reason();
  ASSERT_EQ(pump_handshake(after, after_client, after_pair), TlsHandshakeStatus::kDone) << after.failure_reason();
  EXPECT_EQ(common_name(SSL_get0_peer_certificate(before_client.ssl())), "relay.test");
  EXPECT_EQ(common_name(SSL_get0_peer_certificate(after_client.ssl())), "renewed.test");
}

TEST_F(TlsServerContextTest, FailedReloadKeepsTheOldContextAndSaysWhy) {
  TlsContextHolder holder({files_.certificate, files_.key, ""});
  const std::shared_ptr<const TlsServerContext> original = holder.current();
  // A renewal half done: the new certificate is in place, the old key is not yet replaced.
  write_credential(directory_.path(), "renewed", make_credential("renewed.test", &ca_));
  std::filesystem::copy_file(directory_.path() / "renewed.crt", files_.certificate,
                             std::filesystem::copy_options::overwrite_existing);
  const TlsReloadResult result = holder.reload();
  EXPECT_FALSE(result.reloaded);
  EXPECT_NE(result.error.find(files_.key.string()), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("key values mismatch"), std::string::npos) << result.error;
  EXPECT_EQ(holder.current(), original);
}

}  // namespace
}  // namespace kinesyslog::net
