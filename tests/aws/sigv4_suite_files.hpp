#pragma once
// Reading the AWS SigV4 test suite's files: `.req`/`.sreq` are raw HTTP requests with LF line
// endings, `Name:value` header lines, obsolete folded continuation lines and an optional body.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "aws/http_request.hpp"

namespace kinesyslog::aws::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Request line "METHOD TARGET HTTP/1.1" (the target may hold a raw space, as in get-space), then
// headers; a line starting with a space or tab continues the previous header's value, kept with its
// line break so the signer's whitespace folding is what is tested.
inline HttpRequest parse_http_request(std::string_view text) {
  HttpRequest request;
  const size_t head_end = text.find("\n\n");
  const std::string_view head = text.substr(0, head_end);
  if (head_end != std::string_view::npos) request.body = std::string(text.substr(head_end + 2));

  std::vector<std::string_view> lines;
  for (size_t start = 0; start < head.size();) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos) end = head.size();
    lines.push_back(head.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) throw std::runtime_error("empty request");

  const std::string_view request_line = lines.front();
  const size_t method_end = request_line.find(' ');
  const size_t version_start = request_line.rfind(' ');
  if (method_end == std::string_view::npos || version_start <= method_end) {
    throw std::runtime_error("bad request line: " + std::string(request_line));
  }
  request.method = std::string(request_line.substr(0, method_end));
  const std::string_view target = request_line.substr(method_end + 1, version_start - method_end - 1);
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));

  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
      request.headers.back().second.append("\n").append(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("bad header line: " + std::string(line));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return request;
}

// Value of the line `name:value` in a canonical request, or empty.
inline std::string canonical_header_value(std::string_view canonical_request, std::string_view name) {
  const std::string prefix = "\n" + std::string(name) + ":";
  const size_t at = canonical_request.find(prefix);
  if (at == std::string_view::npos) return {};
  const size_t start = at + prefix.size();
  return std::string(canonical_request.substr(start, canonical_request.find('\n', start) - start));
}

}  // namespace kinesyslog::aws::testing
