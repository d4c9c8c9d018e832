#include "framing/relp_frame_parser.hpp"

#include <stdexcept>
#include <utility>

namespace kinesyslog::framing {

namespace {

constexpr bool is_digit(char byte) { return byte >= '0' && byte <= '9'; }
constexpr bool is_letter(char byte) { return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z'); }

// A byte for an error message: printable as itself, anything else as its code.
std::string shown(char byte) {
  if (byte >= 0x21 && byte <= 0x7e) return std::string("'") + byte + "'";
  return "byte " + std::to_string(static_cast<unsigned char>(byte));
}

}  // namespace

RelpFrameParser::RelpFrameParser(size_t max_data_size) : max_data_size_(max_data_size) {
  if (max_data_size == 0) throw std::invalid_argument("RelpFrameParser: max_data_size must be at least 1");
}

bool RelpFrameParser::header_byte(char byte) {
  switch (state_) {
    case State::kTxnr:
      if (is_digit(byte)) {
        if (digits_ == kMaxNumberDigits) return fail("transaction number longer than 9 digits");
        txnr_ = txnr_ * 10 + static_cast<uint32_t>(byte - '0');
        ++digits_;
        return true;
      }
      if (byte != ' ' || digits_ == 0) return fail("expected a transaction number, got " + shown(byte));
      if (txnr_ == 0) return fail("transaction number 0 (a sender's numbers start at 1)");
      digits_ = 0;
      state_ = State::kCommand;
      return true;
    case State::kCommand:
      if (is_letter(byte)) {
        if (command_length_ == kMaxCommandLength) return fail("command longer than 32 letters");
        command_[command_length_++] = byte;
        return true;
      }
      if (byte != ' ' || command_length_ == 0) return fail("expected a command, got " + shown(byte));
      state_ = State::kDatalen;
      return true;
    case State::kDatalen:
      if (is_digit(byte)) {
        if (digits_ == kMaxNumberDigits) return fail("data length longer than 9 digits");
        datalen_ = datalen_ * 10 + static_cast<uint64_t>(byte - '0');
        ++digits_;
        return true;
      }
      if (digits_ == 0) return fail("expected a data length, got " + shown(byte));
      if (datalen_ == 0) {
        // No data: the trailer follows the length directly (the caller delivers the frame).
        if (byte != '\n') return fail("a frame without data must end in LF after its length, got " + shown(byte));
        return true;
      }
      if (byte != ' ') return fail("expected SP after the data length, got " + shown(byte));
      if (datalen_ > max_data_size_) {
        return fail("data length " + std::to_string(datalen_) + " is over the maximum of " +
                    std::to_string(max_data_size_));
      }
      start_data();
      return true;
    case State::kData:
    case State::kTrailer:
    case State::kFailed:
      break;
  }
  return fail("internal: header byte outside the header");
}

bool RelpFrameParser::fail(std::string message) {
  error_ = std::move(message);
  state_ = State::kFailed;
  std::string().swap(pending_);
  return false;
}

void RelpFrameParser::start_data() {
  data_remaining_ = static_cast<size_t>(datalen_);
  state_ = State::kData;
}

void RelpFrameParser::append_pending(const char* data, size_t size) {
  if (size == 0) return;
  if (pending_.empty()) {
    ++partials_started_;
    pending_.reserve(static_cast<size_t>(datalen_));  // one allocation per split frame, bounded by the maximum
  }
  pending_.append(data, size);
}

void RelpFrameParser::reset_frame() {
  state_ = State::kTxnr;
  digits_ = 0;
  txnr_ = 0;
  command_length_ = 0;
  datalen_ = 0;
  data_remaining_ = 0;
  if (pending_.capacity() > kRetainedCapacity) {
    std::string().swap(pending_);
  } else {
    pending_.clear();
  }
}

}  // namespace kinesyslog::framing
