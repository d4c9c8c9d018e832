#pragma once
// Errors from OpenSSL, turned into text a person can act on.
#include <stdexcept>
#include <string>

namespace kinesyslog::net {

// The TLS material (--cert, --key, --client-ca) cannot be used; the message names the file
// and OpenSSL's reason. The caller maps it to exit code 78 (EX_CONFIG).
class TlsConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Empties this thread's OpenSSL error queue and returns its reasons, oldest first, joined
// by "; " (e.g. "no start line"); `fallback` when the queue was empty.
std::string take_openssl_errors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace kinesyslog::net
