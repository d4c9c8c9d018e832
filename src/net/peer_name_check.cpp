#include "net/peer_name_check.hpp"

#include <openssl/x509v3.h>

#include "net/tls_error.hpp"

namespace kinesyslog::net {
namespace {

// X509_check_host(3): the CN is consulted even when DNS SANs exist (clients are often named
// by CN only, or by CN plus unrelated SANs), and a wildcard must not stand for one client.
constexpr unsigned kNameFlags = X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS;

}  // namespace

bool certificate_names_one_of(X509* certificate, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (X509_check_host(certificate, name.data(), name.size(), kNameFlags, nullptr) == 1) return true;
  }
  return false;
}

void require_client_names(SSL_CTX* context, const std::vector<std::string>& names) {
  if (names.empty()) return;
  X509_VERIFY_PARAM* parameters = SSL_CTX_get0_param(context);
  X509_VERIFY_PARAM_set_hostflags(parameters, kNameFlags);
  // The verifier checks these hosts on the peer's leaf certificate, whichever side it is.
  for (const std::string& name : names) {
    if (X509_VERIFY_PARAM_add1_host(parameters, name.data(), name.size()) != 1) {
      throw TlsConfigError("cannot require the client name " + name + ": " + take_openssl_errors());
    }
  }
}

}  // namespace kinesyslog::net
