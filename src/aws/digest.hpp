#pragma once
// SHA-256 and HMAC-SHA256 through OpenSSL, the two primitives SigV4 is built from.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kinesyslog::aws {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
// Lower-case hexadecimal, as SigV4 writes hashes and signatures.
std::string hex_encode(const Sha256Digest& digest);

inline std::string_view as_bytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace kinesyslog::aws
