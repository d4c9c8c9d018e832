#include "framing/syslog_framer.hpp"

#include <stdexcept>

namespace kinesyslog::framing {

SyslogFramer::SyslogFramer(size_t max_message_size) : max_message_size_(max_message_size) {
  if (max_message_size == 0) throw std::invalid_argument("SyslogFramer: max_message_size must be at least 1");
}

const char* SyslogFramer::consume_start(const char* cursor, const char* end) {
  while (cursor != end && is_terminator(*cursor)) ++cursor;  // empty lines between messages
  if (cursor == end) return end;
  const char byte = *cursor;
  if (byte >= '0' && byte <= '9') {  // consume_length takes this digit too
    length_ = 0;
    state_ = State::kLength;
    return cursor;
  }
  state_ = State::kLine;
  return cursor;
}

const char* SyslogFramer::consume_discard_body(const char* cursor, const char* end) {
  const uint64_t available = static_cast<uint64_t>(end - cursor);
  const uint64_t skipped = std::min(available, discard_remaining_);
  discard_remaining_ -= skipped;
  if (discard_remaining_ == 0) state_ = State::kStart;
  return cursor + skipped;
}

const char* SyslogFramer::consume_discard_line(const char* cursor, const char* end) {
  const char* const terminator = find_terminator(cursor, end);
  if (terminator != end) state_ = State::kStart;
  return terminator;
}

void SyslogFramer::begin_body() {
  length_digit_count_ = 0;
  if (length_ == 0) {  // "0 " is an empty frame: no message
    ++bad_frames_;
    state_ = State::kStart;
    return;
  }
  body_remaining_ = static_cast<size_t>(std::min<uint64_t>(length_, max_message_size_));
  discard_remaining_ = length_ - body_remaining_;
  state_ = State::kBody;
}

void SyslogFramer::finish_body() {
  state_ = discard_remaining_ > 0 ? State::kDiscardBody : State::kStart;
}

void SyslogFramer::append_pending(const char* data, size_t size) {
  if (pending_.empty() && size > 0) ++partials_started_;
  const size_t needed = pending_.size() + size;
  if (needed > pending_.capacity()) {
    // Grow geometrically but never past the maximum, so the buffer stays bounded.
    pending_.reserve(std::min(max_message_size_, std::max({needed, 2 * pending_.capacity(), size_t{256}})));
  }
  pending_.append(data, size);
}

void SyslogFramer::clear_pending() {
  if (pending_.capacity() > kRetainedCapacity) {
    std::string().swap(pending_);
  } else {
    pending_.clear();
  }
}

}  // namespace kinesyslog::framing
