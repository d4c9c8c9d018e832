#pragma once
// A reference for tests and fuzz targets of the JSON escaper (docs/behaviour.md §3.6: invalid UTF-8 kept as
// \xNN, the original's backslashreplace).
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace kinesyslog::testing {

// Python's bytes.decode('utf-8', 'backslashreplace'), written independently of the
// implementation: decode a code point, then check it against RFC 3629's rules.
inline std::string python_backslashreplace(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(bytes[k]); };
  while (i < bytes.size()) {
    const uint8_t lead = byte(i);
    size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
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

}  // namespace kinesyslog::testing
