#pragma once
// JSON string content for message bytes that may not be valid UTF-8 (docs/behaviour.md §3.6): what the
// original produced with `bytes.decode('utf-8', 'backslashreplace')` then `json.dumps(...,
// ensure_ascii=False)`, byte for byte.
#include <string>
#include <string_view>

namespace kinesyslog {

// Appends `bytes` to `out` as the inside of a JSON string (no surrounding quotes):
//  - valid UTF-8 (RFC 3629 §4, including non-ASCII and the BOM) is copied unchanged;
//  - every byte not part of a valid sequence becomes the text `\xNN` (lower-case hex),
//    i.e. `\\xNN` in the JSON;
//  - `"` and `\` are escaped, control characters < 0x20 become `\n` `\r` `\t` `\b` `\f`
//    or `\u00XX`; `/` and DEL are not escaped (as Python's json module).
void append_json_escaped(std::string& out, std::string_view bytes);

// The most bytes append_json_escaped can add for `input_size` input bytes (`\u00XX`).
constexpr size_t max_json_escaped_size(size_t input_size) { return 6 * input_size; }

}  // namespace kinesyslog
