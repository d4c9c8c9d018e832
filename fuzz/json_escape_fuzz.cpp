// Any bytes, escaped, must parse as a JSON string that decodes to Python's
// bytes.decode('utf-8', 'backslashreplace') of them (docs/behaviour.md §3.6).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "../tests/support/python_backslashreplace.hpp"
#include "core/json_escape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string document = "\"";
  kinesyslog::append_json_escaped(document, bytes);
  document += '"';
  if (document.size() > kinesyslog::max_json_escaped_size(size) + 2) std::abort();

  static simdjson::dom::parser parser;
  std::string_view decoded;
  if (parser.parse(document).get(decoded) != simdjson::SUCCESS) std::abort();
  if (decoded != kinesyslog::testing::python_backslashreplace(bytes)) std::abort();
  return 0;
}
