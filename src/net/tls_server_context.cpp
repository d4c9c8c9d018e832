#include "net/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "net/peer_name_check.hpp"
#include "net/tls_error.hpp"

namespace kinesyslog::net {

namespace {

// Mozilla "intermediate" for TLS 1.2: forward secrecy and AEAD only. TLS 1.3 keeps
// OpenSSL's default suites, which are all of that kind.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

constexpr unsigned char kSessionIdContext[] = "kinesyslog";

// OpenSSL says "system lib" for a missing file; check first so the message says why.
void require_readable(const std::filesystem::path& path, const std::string& what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw TlsConfigError("cannot read the " + what + " " + path.string() + ": " + std::strerror(errno));
  }
  std::fclose(file);
}

struct FreeKey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// No pass phrase: OpenSSL's default would prompt on the terminal, which a service must never do.
int refuse_pass_phrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user_data*/) { return -1; }

std::unique_ptr<EVP_PKEY, FreeKey> read_private_key(const std::filesystem::path& path) {
  BIO* file = BIO_new_file(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<EVP_PKEY, FreeKey> key(PEM_read_bio_PrivateKey(file, nullptr, &refuse_pass_phrase, nullptr));
  BIO_free(file);
  return key;
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw TlsConfigError("cannot load the " + what + " from " + path.string() + ": " + take_openssl_errors());
}

}  // namespace

TlsServerContext::TlsServerContext(const TlsServerPaths& paths) {
  ERR_clear_error();
  context_.reset(SSL_CTX_new(TLS_server_method()));
  if (!context_) throw TlsConfigError("cannot create a TLS context: " + take_openssl_errors());
  SSL_CTX* context = context_.get();

  // docs/behaviour.md §2.5: TLS 1.2 and 1.3 only.
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
  if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1) {
    throw TlsConfigError("cannot set the TLS 1.2 ciphers: " + take_openssl_errors());
  }
  SSL_CTX_set_dh_auto(context, 1);
  // No resumption: syslog connections are long-lived, so it would save little, while ticket
  // keys living as long as the process weaken forward secrecy and TLS 1.3 tickets would be
  // the only thing this server ever writes after the handshake.
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_num_tickets(context, 0);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(context, kSessionIdContext, sizeof kSessionIdContext - 1);
  // RELEASE_BUFFERS: an idle connection gives back its read and write buffers (tens of KiB each).
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // Read ahead: fill OpenSSL's buffer with whatever the socket holds instead of reading each
  // record's 5-byte header and then its body. Senders such as loggen, rsyslog and syslog-ng
  // write one small record per message, so without it every message cost two recv calls.
  // Bytes read ahead show in SSL_has_pending, which the connection checks before it waits.
  SSL_CTX_set_read_ahead(context, 1);
  SSL_CTX_set_default_passwd_cb(context, &refuse_pass_phrase);

  const std::string chain_what = "TLS certificate chain (--cert)";
  require_readable(paths.certificate_chain, chain_what);
  if (SSL_CTX_use_certificate_chain_file(context, paths.certificate_chain.c_str()) != 1) {
    fail(chain_what, paths.certificate_chain);
  }
  const std::string key_what = "TLS private key (--key)";
  require_readable(paths.private_key, key_what);
  const std::unique_ptr<EVP_PKEY, FreeKey> key = read_private_key(paths.private_key);
  if (!key) {
    throw TlsConfigError("cannot load the " + key_what + " from " + paths.private_key.string() + ": " +
                         take_openssl_errors() + " (a PEM private key without a pass phrase is needed)");
  }
  if (X509_check_private_key(SSL_CTX_get0_certificate(context), key.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    throw TlsConfigError("the " + key_what + " " + paths.private_key.string() + " does not match the certificate " +
                         paths.certificate_chain.string() + ": " + take_openssl_errors());
  }

  if (paths.client_ca.empty()) return;
  const std::string ca_what = "client CA bundle (--client-ca)";
  require_readable(paths.client_ca, ca_what);
  if (SSL_CTX_load_verify_locations(context, paths.client_ca.c_str(), nullptr) != 1) fail(ca_what, paths.client_ca);
  // The CA names go in the CertificateRequest so clients holding several certificates pick the right one.
  STACK_OF(X509_NAME)* ca_names = SSL_load_client_CA_file(paths.client_ca.c_str());
  if (ca_names == nullptr) fail(ca_what, paths.client_ca);
  SSL_CTX_set_client_CA_list(context, ca_names);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  require_client_names(context, paths.client_names);
}

}  // namespace kinesyslog::net
