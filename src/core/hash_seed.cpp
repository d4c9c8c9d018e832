#include "core/hash_seed.hpp"

#include <random>

namespace kinesyslog {

uint64_t process_hash_seed() {
  static const uint64_t seed = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
  }();
  return seed;
}

}  // namespace kinesyslog
