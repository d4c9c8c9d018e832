#include "aws/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <stdexcept>

#include "core/hex.hpp"

namespace kinesyslog::aws {

Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("OpenSSL EVP_Digest(SHA-256) failed");
  }
  return digest;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("HMAC key too long");
  }
  Sha256Digest digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), digest.data(), &length) == nullptr ||
      length != digest.size()) {
    throw std::runtime_error("OpenSSL HMAC(SHA-256) failed");
  }
  return digest;
}

std::string hex_encode(const Sha256Digest& digest) {
  std::string text;
  text.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    text.push_back(hex_high(byte));
    text.push_back(hex_low(byte));
  }
  return text;
}

}  // namespace kinesyslog::aws
