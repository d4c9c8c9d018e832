#include "net/http_request_head.hpp"

namespace kinesyslog::net {
namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";

}  // namespace

HttpRequestHead read_request_head(std::string_view received, size_t max_bytes) {
  using Status = HttpRequestHead::Status;
  const size_t header_end = received.find(kHeaderEnd);
  if (header_end == std::string_view::npos) {
    return {received.size() <= max_bytes ? Status::kNeedMore : Status::kTooLarge, {}, {}};
  }
  if (header_end + kHeaderEnd.size() > max_bytes) return {Status::kTooLarge, {}, {}};
  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
  const std::string_view head = received.substr(0, header_end);
  const std::string_view line = head.substr(0, head.find("\r\n"));
  const size_t first_space = line.find(' ');
  const size_t second_space = first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos || !line.substr(second_space + 1).starts_with("HTTP/1.")) {
    return {Status::kBad, {}, {}};
  }
  return {Status::kComplete, line.substr(0, first_space), line.substr(first_space + 1, second_space - first_space - 1)};
}

}  // namespace kinesyslog::net
