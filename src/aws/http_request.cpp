#include "aws/http_request.hpp"

#include <algorithm>

namespace kinesyslog::aws {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool header_name_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (header_name_equals(header_name, name)) return value;
  }
  return std::nullopt;
}

void HttpRequest::set_header(std::string_view name, std::string value) {
  auto first = std::find_if(headers.begin(), headers.end(),
                            [&](const auto& header) { return header_name_equals(header.first, name); });
  if (first == headers.end()) {
    headers.emplace_back(std::string(name), std::move(value));
    return;
  }
  first->second = std::move(value);
  headers.erase(std::remove_if(std::next(first), headers.end(),
                               [&](const auto& header) { return header_name_equals(header.first, name); }),
                headers.end());
}

void HttpRequest::remove_header(std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return header_name_equals(header.first, name); });
}

}  // namespace kinesyslog::aws
