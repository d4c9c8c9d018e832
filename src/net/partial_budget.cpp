#include "net/partial_budget.hpp"

namespace kinesyslog::net {

void PartialBudget::update(Slot& slot, size_t bytes, uint64_t serial) {
  if (bytes == 0) {
    if (slot.listed_) unlink(slot);
    return;
  }
  if (slot.listed_ && slot.serial_ != serial) unlink(slot);  // a newer item: to the back
  if (!slot.listed_) {
    slot.serial_ = serial;
    slot.bytes_ = 0;
    append(slot);
  }
  held_ = held_ - slot.bytes_ + bytes;
  slot.bytes_ = bytes;
}

void PartialBudget::unlink(Slot& slot) {
  (slot.older_ != nullptr ? slot.older_->newer_ : oldest_) = slot.newer_;
  (slot.newer_ != nullptr ? slot.newer_->older_ : newest_) = slot.older_;
  held_ -= slot.bytes_;
  slot.older_ = slot.newer_ = nullptr;
  slot.bytes_ = 0;
  slot.listed_ = false;
}

void PartialBudget::append(Slot& slot) {
  slot.older_ = newest_;
  slot.newer_ = nullptr;
  (newest_ != nullptr ? newest_->newer_ : oldest_) = &slot;
  newest_ = &slot;
  slot.listed_ = true;
}

}  // namespace kinesyslog::net
