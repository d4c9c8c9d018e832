#pragma once
// Syslog over a byte stream (TCP, TLS): RFC 6587 §3.4.1 octet counting (also RFC 5425 §4.3),
// with §3.4.2 non-transparent framing as the fall-back, decided per message (docs/behaviour.md §2.3).
//
//   kStart ──digit──► kLength ──SP──► kBody ──LEN bytes──► kStart
//     │                  │ non-digit / too many digits        └─ LEN > max ─► kDiscardBody
//     └──other──► kLine ◄┘ ──LF/CR/NUL──► kStart
//                   └─ longer than max ─► kDiscardLine ──LF/CR/NUL──► kStart
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "framing/terminator.hpp"

namespace kinesyslog::framing {

class SyslogFramer {
 public:
  // More length digits than this cannot be a real frame (10 digits is already ~10 GB), so the
  // bytes are taken as the start of a non-transparent message instead.
  static constexpr size_t kMaxLengthDigits = 10;
  // A buffer up to this size is kept for the next split message; a larger one (a long message
  // that straddled reads) is given back, so idle connections do not each keep 64 KiB.
  static constexpr size_t kRetainedCapacity = 1024;

  // `max_message_size` (>= 1) bounds every delivered message and the framer's own buffer.
  explicit SyslogFramer(size_t max_message_size);

  // Calls on_message(std::string_view message, bool truncated) for every complete message.
  // The view points into `bytes` when the whole message lies in it (zero copy), or into the
  // framer's own buffer when it was split across feeds; it is valid only during the call.
  // `truncated` means the message was longer than max_message_size and was cut to it.
  // Messages are never empty. `on_message` must not feed this framer again.
  template <class OnMessage>
  void feed(std::string_view bytes, OnMessage&& on_message);

  // The peer closed the stream: a pending unterminated message is delivered so nothing received
  // is lost (an octet-counted one short of its length as truncated). The framer is then reset.
  template <class OnMessage>
  void finish(OnMessage&& on_message);

  // Bytes held for a message split across feeds; never more than max_message_size.
  size_t buffered_bytes() const { return pending_.size(); }
  // Memory the framer's buffer holds (its capacity); shrinks back after a large message.
  size_t buffer_capacity() const { return pending_.capacity(); }
  // How many messages have begun to be held across feeds: a new value means the message now
  // held is a newer one (the oldest-first order of the partial-message budget).
  uint64_t partials_started() const { return partials_started_; }

  // Memory pressure: delivers the message held across feeds as it is (truncated = true),
  // gives its buffer back and drops the rest of that message as it arrives, exactly as for an
  // over-long one. Returns false when no message was held.
  template <class OnMessage>
  bool release_partial(OnMessage&& on_message);
  // Frames RFC 6587 §3.4.1 forbids (MSG-LEN starts with a non-zero digit, so "0 " is not a
  // frame) seen since the last call; they hold no message and are skipped.
  uint64_t take_bad_frames() { return std::exchange(bad_frames_, 0); }

 private:
  enum class State { kStart, kLength, kBody, kLine, kDiscardBody, kDiscardLine };

  const char* consume_start(const char* cursor, const char* end);
  const char* consume_discard_body(const char* cursor, const char* end);
  const char* consume_discard_line(const char* cursor, const char* end);
  template <class OnMessage>
  const char* consume_length(const char* cursor, const char* end, OnMessage& on_message);
  template <class OnMessage>
  const char* consume_body(const char* cursor, const char* end, OnMessage& on_message);
  template <class OnMessage>
  const char* consume_line(const char* cursor, const char* end, OnMessage& on_message);
  template <class OnMessage>
  void fall_back_to_line(OnMessage& on_message);
  // Delivers the line whose last `size` bytes start at `tail` (and whose start may be pending).
  template <class OnMessage>
  void deliver_line(const char* tail, size_t size, bool truncated, OnMessage& on_message);

  void begin_body();
  void finish_body();
  void append_pending(const char* data, size_t size);
  void clear_pending();
  std::string_view length_digits() const { return {length_digits_.data(), length_digit_count_}; }

  size_t max_message_size_;
  State state_ = State::kStart;
  std::array<char, kMaxLengthDigits> length_digits_{};  // kept in case LEN turns out not to be a number
  size_t length_digit_count_ = 0;
  uint64_t length_ = 0;
  size_t body_remaining_ = 0;     // body bytes still to read before delivery (at most max_message_size)
  uint64_t discard_remaining_ = 0;  // bytes of an over-long octet-counted body to drop after delivery
  std::string pending_;           // a message split across feeds (at most kRetainedCapacity kept after it)
  uint64_t partials_started_ = 0;
  uint64_t bad_frames_ = 0;
};

template <class OnMessage>
void SyslogFramer::feed(std::string_view bytes, OnMessage&& on_message) {
  const char* cursor = bytes.data();
  const char* const end = cursor + bytes.size();
  while (cursor != end) {
    switch (state_) {
      case State::kStart: cursor = consume_start(cursor, end); break;
      case State::kLength: cursor = consume_length(cursor, end, on_message); break;
      case State::kBody: cursor = consume_body(cursor, end, on_message); break;
      case State::kLine: cursor = consume_line(cursor, end, on_message); break;
      case State::kDiscardBody: cursor = consume_discard_body(cursor, end); break;
      case State::kDiscardLine: cursor = consume_discard_line(cursor, end); break;
    }
  }
}

template <class OnMessage>
void SyslogFramer::finish(OnMessage&& on_message) {
  if (state_ == State::kLength) fall_back_to_line(on_message);  // digits never followed by SP: a line
  if (state_ == State::kBody && !pending_.empty()) on_message(std::string_view{pending_}, true);
  if (state_ == State::kLine && !pending_.empty()) on_message(std::string_view{pending_}, false);
  clear_pending();
  length_digit_count_ = 0;
  state_ = State::kStart;
}

template <class OnMessage>
const char* SyslogFramer::consume_length(const char* cursor, const char* end, OnMessage& on_message) {
  for (; cursor != end; ++cursor) {
    const char byte = *cursor;
    if (byte >= '0' && byte <= '9') {
      if (length_digit_count_ == kMaxLengthDigits) break;
      length_digits_[length_digit_count_++] = byte;
      length_ = length_ * 10 + static_cast<uint64_t>(byte - '0');
      continue;
    }
    if (byte == ' ') {
      begin_body();
      return cursor + 1;
    }
    break;
  }
  // Not a number after all: the digits begin a non-transparent message and this byte continues it.
  if (cursor != end) fall_back_to_line(on_message);
  return cursor;
}

template <class OnMessage>
void SyslogFramer::fall_back_to_line(OnMessage& on_message) {
  const std::string_view digits = length_digits();
  length_digit_count_ = 0;
  if (digits.size() > max_message_size_) {
    on_message(digits.substr(0, max_message_size_), true);
    state_ = State::kDiscardLine;
    return;
  }
  append_pending(digits.data(), digits.size());
  state_ = State::kLine;
}

template <class OnMessage>
const char* SyslogFramer::consume_body(const char* cursor, const char* end, OnMessage& on_message) {
  const size_t available = static_cast<size_t>(end - cursor);
  const bool truncated = discard_remaining_ > 0;
  if (pending_.empty() && available >= body_remaining_) {
    on_message(std::string_view{cursor, body_remaining_}, truncated);
    cursor += body_remaining_;
    finish_body();
    return cursor;
  }
  const size_t taken = std::min(available, body_remaining_);
  append_pending(cursor, taken);
  body_remaining_ -= taken;
  if (body_remaining_ == 0) {
    on_message(std::string_view{pending_}, truncated);
    clear_pending();
    finish_body();
  }
  return cursor + taken;
}

template <class OnMessage>
const char* SyslogFramer::consume_line(const char* cursor, const char* end, OnMessage& on_message) {
  const char* const terminator = find_terminator(cursor, end);
  const size_t length = static_cast<size_t>(terminator - cursor);
  const size_t room = max_message_size_ - pending_.size();
  if (length > room) {
    // Over-long: deliver the first max_message_size bytes, drop the rest up to its terminator.
    deliver_line(cursor, room, true, on_message);
    state_ = State::kDiscardLine;
    return cursor + room;
  }
  if (terminator == end) {
    append_pending(cursor, length);
    return end;
  }
  deliver_line(cursor, length, false, on_message);
  state_ = State::kStart;
  return terminator;  // kStart skips it
}

template <class OnMessage>
void SyslogFramer::deliver_line(const char* tail, size_t size, bool truncated, OnMessage& on_message) {
  if (pending_.empty()) {  // the whole line is in the fed bytes: no copy
    on_message(std::string_view{tail, size}, truncated);
    return;
  }
  append_pending(tail, size);
  on_message(std::string_view{pending_}, truncated);
  clear_pending();
}

template <class OnMessage>
bool SyslogFramer::release_partial(OnMessage&& on_message) {
  if (pending_.empty() || (state_ != State::kLine && state_ != State::kBody)) return false;
  on_message(std::string_view{pending_}, true);
  std::string().swap(pending_);
  if (state_ == State::kBody) {
    discard_remaining_ += body_remaining_;  // the body's unread bytes, then any over-long tail
    body_remaining_ = 0;
    state_ = State::kDiscardBody;
  } else {
    state_ = State::kDiscardLine;
  }
  return true;
}

}  // namespace kinesyslog::framing
