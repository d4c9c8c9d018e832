// Any bytes, escaped, must parse as a JSON string that decodes to Python's
// bytes.decode('utf-8', 'backslashreplace') of them (SPEC §3).
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/json_escape.hpp"

namespace {

// Decodes each code point and checks RFC 3629's rules, independently of the escaper's table.
std::string python_backslashreplace(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(bytes[k]); };
  while (i < bytes.size()) {
    const uint8_t lead = byte(i);
    const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    bool valid = length > 0 && i + length <= bytes.size();
    uint32_t code_point = length == 1 ? lead : length == 2 ? lead & 0x1Fu : length == 3 ? lead & 0x0Fu : lead & 0x07u;
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (byte(i + k) & 0xC0) == 0x80;
      code_point = (code_point << 6) | (byte(i + k) & 0x3Fu);
    }
    const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code_point >= minimum[length] && code_point <= 0x10FFFF &&
            !(code_point >= 0xD800 && code_point <= 0xDFFF) && lead < 0xF8;
    if (valid) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", lead);
      out += hex;
      ++i;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string document = "\"";
  kinesyslog::batch::append_json_escaped(document, bytes);
  document += '"';
  if (document.size() > kinesyslog::batch::max_json_escaped_size(size) + 2) std::abort();

  static simdjson::dom::parser parser;
  std::string_view decoded;
  if (parser.parse(document).get(decoded) != simdjson::SUCCESS) std::abort();
  if (decoded != python_backslashreplace(bytes)) std::abort();
  return 0;
}
