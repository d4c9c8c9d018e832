#include "net/tls_error.hpp"

#include <openssl/err.h>

namespace kinesyslog::net {

std::string take_openssl_errors(const std::string& fallback) {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    const std::string text = reason != nullptr ? reason : "error code " + std::to_string(ERR_GET_REASON(code));
    // The same reason often appears once per layer (PEM, then SSL); say it once.
    if (reasons.find(text) != std::string::npos) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += text;
  }
  return reasons.empty() ? fallback : reasons;
}

}  // namespace kinesyslog::net
