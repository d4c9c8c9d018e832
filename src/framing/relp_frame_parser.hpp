#pragma once
// RELP frames off a byte stream, in librelp's grammar:
//
//   TXNR SP COMMAND SP DATALEN [SP DATA] LF
//
//   kTxnr ──SP──► kCommand ──SP──► kDatalen ──SP (DATALEN > 0)──► kData ──DATALEN bytes──► kTrailer ──LF──► kTxnr
//                                     └──LF (DATALEN = 0)──────────────────────────────────────────────────┘
//
// TXNR is 1..999999999 (at most 9 digits), COMMAND 1..32 letters, DATALEN at most 9 digits and
// no more than the parser's maximum. Anything else is an error: RELP has no way to resynchronise
// inside a stream, so the session ends there (the sender resends what was not acknowledged).
// Fed arbitrary pieces of the stream, the parser yields the same frames as for one whole feed.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kinesyslog::framing {

struct RelpFrame {
  uint32_t txnr = 0;
  std::string_view command;
  std::string_view data;  // empty when DATALEN is 0
};

class RelpFrameParser {
 public:
  static constexpr size_t kMaxNumberDigits = 9;  // TXNR and DATALEN
  static constexpr size_t kMaxCommandLength = 32;
  // A buffer up to this size is kept for the next split frame; a larger one is given back.
  static constexpr size_t kRetainedCapacity = 1024;

  enum class Result : uint8_t {
    kConsumed,  // every byte was parsed (a frame may be left incomplete for the next feed)
    kStopped,   // on_frame returned false: the bytes after that frame were not looked at
    kError,     // not RELP: error() says why; every later feed fails the same way
  };

  // `max_data_size`: the largest DATALEN accepted.
  explicit RelpFrameParser(size_t max_data_size);

  // Calls `bool on_frame(const RelpFrame&)` for every complete frame, in order; false stops
  // the feed. The views point into `bytes` when the frame's data lies wholly in it (no copy),
  // or into the parser's own buffer when it was split across feeds; valid only during the call.
  template <class OnFrame>
  Result feed(std::string_view bytes, OnFrame&& on_frame);

  const std::string& error() const { return error_; }
  // True between frames: the stream may end here without cutting one.
  bool at_frame_boundary() const { return state_ == State::kTxnr && digits_ == 0; }
  // Data held for a frame split across feeds, and the memory holding it.
  size_t buffered_bytes() const { return pending_.size(); }
  size_t buffer_capacity() const { return pending_.capacity(); }
  // How many frames have begun to be held across feeds (a new value: a newer one is held).
  uint64_t partials_started() const { return partials_started_; }

 private:
  enum class State : uint8_t { kTxnr, kCommand, kDatalen, kData, kTrailer, kFailed };

  // One byte of the header (TXNR, COMMAND, DATALEN); false on an error.
  bool header_byte(char byte);
  // Records the error and ends the parse; returns false.
  bool fail(std::string message);
  void start_data();
  void append_pending(const char* data, size_t size);
  void reset_frame();
  RelpFrame frame(std::string_view data) const {
    return RelpFrame{txnr_, std::string_view{command_.data(), command_length_}, data};
  }

  size_t max_data_size_;
  State state_ = State::kTxnr;
  size_t digits_ = 0;  // digits of the number being read
  uint32_t txnr_ = 0;
  std::array<char, kMaxCommandLength> command_{};
  size_t command_length_ = 0;
  uint64_t datalen_ = 0;
  size_t data_remaining_ = 0;
  std::string pending_;  // data of a frame split across feeds
  uint64_t partials_started_ = 0;
  std::string error_;
};

template <class OnFrame>
RelpFrameParser::Result RelpFrameParser::feed(std::string_view bytes, OnFrame&& on_frame) {
  const char* cursor = bytes.data();
  const char* const end = cursor + bytes.size();
  while (cursor != end) {
    switch (state_) {
      case State::kFailed:
        return Result::kError;
      case State::kTxnr:
      case State::kCommand:
      case State::kDatalen: {
        const char byte = *cursor++;
        if (!header_byte(byte)) return Result::kError;
        if (byte == '\n') {  // DATALEN 0 and its trailer: a frame without data
          const bool go_on = on_frame(frame({}));
          reset_frame();
          if (!go_on) return Result::kStopped;
        }
        break;
      }
      case State::kData: {
        const size_t available = static_cast<size_t>(end - cursor);
        // The whole data and its trailer are in this feed: hand on a view, no copy.
        if (pending_.empty() && available > data_remaining_) {
          const std::string_view data{cursor, data_remaining_};
          cursor += data_remaining_;
          if (*cursor++ != '\n') {
            fail("the frame's data is not followed by its LF trailer");
            return Result::kError;
          }
          const bool go_on = on_frame(frame(data));
          reset_frame();
          if (!go_on) return Result::kStopped;
          break;
        }
        const size_t taken = std::min(available, data_remaining_);
        append_pending(cursor, taken);
        cursor += taken;
        data_remaining_ -= taken;
        if (data_remaining_ == 0) state_ = State::kTrailer;
        break;
      }
      case State::kTrailer: {
        if (*cursor++ != '\n') {
          fail("the frame's data is not followed by its LF trailer");
          return Result::kError;
        }
        const bool go_on = on_frame(frame(pending_));
        reset_frame();
        if (!go_on) return Result::kStopped;
        break;
      }
    }
  }
  return state_ == State::kFailed ? Result::kError : Result::kConsumed;
}

}  // namespace kinesyslog::framing
