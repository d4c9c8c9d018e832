#pragma once
// Standard base64 with padding (RFC 4648 §4), as the JSON protocols carry blobs.
#include <string>
#include <string_view>

namespace kinesyslog::aws {

constexpr size_t base64_encoded_size(size_t bytes) { return (bytes + 2) / 3 * 4; }

// Appends the encoding of `bytes` to `out` (one resize, no temporary).
void append_base64(std::string& out, std::string_view bytes);

}  // namespace kinesyslog::aws
