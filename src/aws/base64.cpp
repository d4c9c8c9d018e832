#include "aws/base64.hpp"

#include <openssl/evp.h>

#include <limits>
#include <stdexcept>

namespace kinesyslog::aws {

void append_base64(std::string& out, std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max() / 2)) {
    throw std::length_error("base64: input too large");
  }
  const size_t start = out.size();
  const size_t encoded = base64_encoded_size(bytes.size());
  out.resize(start + encoded + 1);  // EVP_EncodeBlock writes a terminating NUL
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + start),
                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(start + encoded);
}

}  // namespace kinesyslog::aws
