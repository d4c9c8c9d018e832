#pragma once
// The one place the process draws randomness from the kernel; everything random takes a seed.
#include <cstdint>

namespace kinesyslog {

// 64 bits from getrandom(2); throws std::system_error when the kernel gives none.
uint64_t random_seed_from_os();

}  // namespace kinesyslog
