#include "net/tls_error.hpp"

#include <openssl/err.h>

namespace kinesyslog::net {

std::string take_openssl_errors(const std::string& fallback) {
  std::string specific;
  std::string generic;  // "PEM lib", "system lib": which layer failed, not why
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    const std::string text = reason != nullptr ? reason : "error code " + std::to_string(ERR_GET_REASON(code));
    std::string& reasons = (ERR_GET_REASON(code) & ERR_RFLAG_COMMON) != 0 ? generic : specific;
    if (reasons.find(text) != std::string::npos) continue;  // once per layer is once too many
    if (!reasons.empty()) reasons += "; ";
    reasons += text;
  }
  if (!specific.empty()) return specific;
  return generic.empty() ? fallback : generic;
}

}  // namespace kinesyslog::net
