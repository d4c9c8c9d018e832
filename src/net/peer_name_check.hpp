#pragma once
// --client-name: with --client-ca, a client certificate must also name one of these hosts,
// since chaining to the CA alone admits every certificate that CA ever issued.
#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace kinesyslog::net {

// True when `certificate` carries one of `names` as a DNS subject alternative name or as
// its subject CN (exact, case-insensitive; wildcard certificates do not qualify).
bool certificate_names_one_of(X509* certificate, const std::vector<std::string>& names);

// Makes the handshakes of `context` verify the client certificate's names as above, so a
// certificate without one fails verification like an untrusted one. Throws TlsConfigError.
void require_client_names(SSL_CTX* context, const std::vector<std::string>& names);

}  // namespace kinesyslog::net
