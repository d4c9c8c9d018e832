#include "core/hash_seed.hpp"

#include "core/random_seed.hpp"

namespace kinesyslog {

uint64_t process_hash_seed() {
  static const uint64_t seed = random_seed_from_os();
  return seed;
}

}  // namespace kinesyslog
