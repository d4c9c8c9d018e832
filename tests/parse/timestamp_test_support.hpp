#pragma once
// Expected instants for the parse tests, computed with std::chrono's calendar rather than
// the code under test.
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace kinesyslog::parse::testing {

inline std::chrono::sys_time<std::chrono::milliseconds> utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0,
                                                            int s = 0, int ms = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

inline int64_t utc_ms(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return utc(y, mo, d, h, mi, s, ms).time_since_epoch().count();
}

inline WallTime received_at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return WallTime{std::chrono::duration_cast<WallTime::duration>(utc(y, mo, d, h, mi, s).time_since_epoch())};
}

}  // namespace kinesyslog::parse::testing
