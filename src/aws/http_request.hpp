#pragma once
// An HTTP request as the signer sees it: headers in the order they will be sent, names as written.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinesyslog::aws {

struct HttpRequest {
  std::string method;  // "POST"
  std::string path;    // as on the request line, without the query: "/"
  std::string query;   // as on the request line, after '?', without it; empty when none
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // Replaces the first header named `name` in place (dropping any repeats), or appends it.
  void set_header(std::string_view name, std::string value);
  void remove_header(std::string_view name);
};

}  // namespace kinesyslog::aws
