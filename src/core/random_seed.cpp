#include "core/random_seed.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <system_error>

namespace kinesyslog {

uint64_t random_seed_from_os() {
  uint64_t seed = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&seed);
  size_t filled = 0;
  while (filled < sizeof(seed)) {
    const ssize_t got = getrandom(bytes + filled, sizeof(seed) - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom for the event id seed");
    }
    filled += static_cast<size_t>(got);
  }
  return seed;
}

}  // namespace kinesyslog
