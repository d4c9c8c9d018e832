#include "aws/http_request.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace kinesyslog::aws {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (ascii_equals_ignoring_case(header_name, name)) return value;
  }
  return std::nullopt;
}

void HttpRequest::set_header(std::string_view name, std::string value) {
  auto first = std::find_if(headers.begin(), headers.end(),
                            [&](const auto& header) { return ascii_equals_ignoring_case(header.first, name); });
  if (first == headers.end()) {
    headers.emplace_back(std::string(name), std::move(value));
    return;
  }
  first->second = std::move(value);
  headers.erase(std::remove_if(std::next(first), headers.end(),
                               [&](const auto& header) { return ascii_equals_ignoring_case(header.first, name); }),
                headers.end());
}

void HttpRequest::remove_header(std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return ascii_equals_ignoring_case(header.first, name); });
}

}  // namespace kinesyslog::aws
