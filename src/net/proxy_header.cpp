#include "net/proxy_header.hpp"

#include <algorithm>
#include <utility>

#include "net/hex_text.hpp"
#include "net/proxy_v1_line.hpp"
#include "net/proxy_v2_header.hpp"

namespace kinesyslog::net {

ProxyHeaderReader::Status ProxyHeaderReader::feed(std::string_view bytes) {
  size_t consumed = 0;
  while (consumed < bytes.size() && status_ == Status::kNeedMore) {
    const std::string_view rest = bytes.substr(consumed);
    switch (state_) {
      case State::kStart: consumed += consume_start(rest); break;
      case State::kV1Line: consumed += consume_v1_line(rest); break;
      case State::kV2Preamble: consumed += consume_v2_preamble(rest); break;
      case State::kV2Block: consumed += consume_v2_block(rest); break;
      case State::kDone:
      case State::kInvalid: break;
    }
  }
  header_bytes_in_last_feed_ = consumed;
  header_size_ += consumed;
  return status_;
}

ProxyHeaderReader::Status ProxyHeaderReader::finish() {
  switch (state_) {
    case State::kStart: reject("the stream ended before a PROXY header"); break;
    case State::kV1Line: reject("the stream ended inside a PROXY v1 line after " + std::to_string(header_size_) + " bytes"); break;
    case State::kV2Preamble:
    case State::kV2Block:
      reject("the stream ended inside a PROXY v2 header after " + std::to_string(header_size_) + " bytes");
      break;
    case State::kDone:
    case State::kInvalid: break;
  }
  return status_;
}

// §2.2: the first byte tells v1 ("PROXY") from v2 (the signature's CR) from anything else.
size_t ProxyHeaderReader::consume_start(std::string_view bytes) {
  const char first = bytes.front();
  if (first == 'P') {
    state_ = State::kV1Line;
  } else if (first == proxy_v2::kSignature.front()) {
    state_ = State::kV2Preamble;
    v2_header_.clear();
  } else {
    reject("not a PROXY header: the first byte " + hex_byte(static_cast<uint8_t>(first)) +
           " starts neither a v1 \"PROXY\" line nor the v2 signature");
  }
  return 0;
}

size_t ProxyHeaderReader::consume_v1_line(std::string_view bytes) {
  size_t consumed = 0;
  for (char byte : bytes) {
    v1_line_[v1_line_size_++] = byte;
    ++consumed;
    const std::string_view line{v1_line_.data(), v1_line_size_};
    if (byte == '\n' && line.size() >= 2 && line[line.size() - 2] == '\r') {
      finish_v1_line();
      return consumed;
    }
    if (std::string reason = proxy_v1::why_prefix_cannot_match(line); !reason.empty()) {
      reject(std::move(reason));
      return consumed;
    }
    if (v1_line_size_ == kMaxV1LineSize) {
      reject("PROXY v1 line has no CRLF within its first 107 bytes");
      return consumed;
    }
  }
  return consumed;
}

size_t ProxyHeaderReader::consume_v2_preamble(std::string_view bytes) {
  size_t consumed = 0;
  for (char byte : bytes) {
    v2_header_.push_back(byte);
    ++consumed;
    if (std::string reason = proxy_v2::why_preamble_cannot_match(v2_header_); !reason.empty()) {
      reject(std::move(reason));
      return consumed;
    }
    if (v2_header_.size() == kV2PreambleSize) {
      // No reserve for the announced length: the buffer grows only with bytes that arrive.
      v2_header_total_ = kV2PreambleSize + proxy_v2::block_length(v2_header_);
      state_ = State::kV2Block;
      if (v2_header_.size() == v2_header_total_) finish_v2_header();
      return consumed;
    }
  }
  return consumed;
}

size_t ProxyHeaderReader::consume_v2_block(std::string_view bytes) {
  const size_t wanted = std::min(bytes.size(), v2_header_total_ - v2_header_.size());
  v2_header_.append(bytes.substr(0, wanted));
  if (v2_header_.size() == v2_header_total_) finish_v2_header();
  return wanted;
}

void ProxyHeaderReader::finish_v1_line() {
  std::string reason = proxy_v1::parse_line({v1_line_.data(), v1_line_size_}, header_);
  if (!reason.empty()) {
    reject(std::move(reason));
    return;
  }
  state_ = State::kDone;
  status_ = Status::kDone;
}

void ProxyHeaderReader::finish_v2_header() {
  std::string reason = proxy_v2::parse_header(v2_header_, header_);
  std::string{}.swap(v2_header_);  // up to 64 KiB per connection: give it back once decoded
  if (!reason.empty()) {
    reject(std::move(reason));
    return;
  }
  state_ = State::kDone;
  status_ = Status::kDone;
}

void ProxyHeaderReader::reject(std::string reason) {
  state_ = State::kInvalid;
  status_ = Status::kInvalid;
  error_ = std::move(reason);
  header_ = ProxyHeader{};
}

}  // namespace kinesyslog::net
