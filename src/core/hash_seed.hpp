#pragma once
// Keys for the hash tables peers fill (sources, GELF message ids): with a per-process secret
// seed a sender cannot choose addresses or ids that all land in one bucket.
#include <cstdint>

namespace kinesyslog {

// The splitmix64 finalizer: spreads every input bit over the whole word. The one mixer of the
// seeded hashes, and of the splitmix64 generator (one golden-ratio step, then this).
constexpr uint64_t mix64(uint64_t value) {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

// splitmix64 (Steele, Lea and Flood): advances `state` and returns the next output.
constexpr uint64_t splitmix64_next(uint64_t& state) { return mix64(state += 0x9e3779b97f4a7c15ULL); }

// Drawn from the operating system once per process (random_seed_from_os).
uint64_t process_hash_seed();

}  // namespace kinesyslog
