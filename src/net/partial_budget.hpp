#pragma once
// The bytes an I/O thread holds for its peers between reads: messages split across reads and
// PROXY v2 headers still arriving. One thread's share of --max-partial-bytes; past it the
// oldest of them is to be let go (the loop hands the message on cut short, or closes a
// connection stuck in its header). Each holder embeds a Slot, so an update allocates nothing.
#include <cstddef>
#include <cstdint>

namespace kinesyslog::net {

class PartialBudget {
 public:
  // One holder's place in the oldest-first order; must be removed before it is destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    size_t held_bytes() const { return bytes_; }

   private:
    friend class PartialBudget;
    Slot* older_ = nullptr;
    Slot* newer_ = nullptr;
    size_t bytes_ = 0;
    uint64_t serial_ = 0;
    bool listed_ = false;
  };

  explicit PartialBudget(size_t limit_bytes) : limit_(limit_bytes) {}
  PartialBudget(const PartialBudget&) = delete;
  PartialBudget& operator=(const PartialBudget&) = delete;

  // `slot` now holds `bytes` (0: nothing) for the partial item numbered `serial`; a serial
  // other than the one it was listed with makes it the newest.
  void update(Slot& slot, size_t bytes, uint64_t serial);
  void remove(Slot& slot) { update(slot, 0, 0); }
  // While the total is over the limit: the slot holding the oldest item; else nullptr.
  Slot* oldest_over_limit() const { return held_ > limit_ ? oldest_ : nullptr; }

  size_t held_bytes() const { return held_; }
  size_t limit_bytes() const { return limit_; }

 private:
  void unlink(Slot& slot);
  void append(Slot& slot);

  size_t limit_;
  size_t held_ = 0;
  Slot* oldest_ = nullptr;
  Slot* newest_ = nullptr;
};

}  // namespace kinesyslog::net
