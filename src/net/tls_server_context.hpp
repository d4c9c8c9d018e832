#pragma once
// The server side of RFC 5425 TLS: one SSL_CTX built from --cert, --key and --client-ca,
// shared by every I/O thread (SSL_CTX is thread-safe once built; sessions are per thread).
#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace kinesyslog::net {

struct TlsServerPaths {
  std::filesystem::path certificate_chain;  // --cert: PEM, the server certificate first
  std::filesystem::path private_key;        // --key: PEM
  std::filesystem::path client_ca;          // --client-ca: PEM bundle; empty: clients are not asked for a certificate
  std::vector<std::string> client_names{};  // --client-name: the client certificate must carry one (with client_ca)
};

class TlsServerContext {
 public:
  // TLS 1.2 and 1.3 only; with a client CA, clients must present a certificate that chains
  // to it. Throws TlsConfigError naming the file and OpenSSL's reason.
  explicit TlsServerContext(const TlsServerPaths& paths);

  // Sessions made from it take their own reference (SSL_new), so they outlive this object.
  SSL_CTX* native() const { return context_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  };
  std::unique_ptr<SSL_CTX, Free> context_;
};

}  // namespace kinesyslog::net
