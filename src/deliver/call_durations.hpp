#pragma once
// How long the destination's calls have been taking, so that draining at shutdown starts no
// call it cannot expect to end before the deadline. A call cut off by its time limit may still
// have reached the destination (only its answer is lost); its files stay in the spool and the
// next start sends them again, so a call that does not start is better than one cut off.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>

namespace kinesyslog::deliver {

class CallDurations {
 public:
  void add(std::chrono::nanoseconds duration) {
    last_[next_] = duration;
    next_ = (next_ + 1) % last_.size();
  }

  // Twice the longest of the last calls: a loaded machine or a slow endpoint easily doubles a
  // call's time from one call to the next. Zero before the first call.
  std::chrono::nanoseconds next_call_may_take() const { return 2 * *std::max_element(last_.begin(), last_.end()); }

 private:
  std::array<std::chrono::nanoseconds, 8> last_{};
  size_t next_ = 0;
};

}  // namespace kinesyslog::deliver
