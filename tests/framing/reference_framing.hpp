#pragma once
// docs/behaviour.md §2.3 stream framing written the plain way — whole stream in memory, index arithmetic, no
// state carried between feeds — as an oracle for the incremental SyslogFramer.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "framed_messages.hpp"

namespace kinesyslog::framing::testing {

inline std::vector<Framed> reference_framing(std::string_view stream, size_t max_message_size) {
  auto is_digit = [](char byte) { return byte >= '0' && byte <= '9'; };
  std::vector<Framed> messages;
  auto emit = [&](size_t begin, size_t length, bool over_long) {
    messages.push_back({std::string{stream.substr(begin, std::min(length, max_message_size))}, over_long});
  };
  size_t at = 0;
  while (true) {
    while (at < stream.size() && is_terminator(stream[at])) ++at;
    if (at == stream.size()) break;
    if (is_digit(stream[at])) {
      size_t digits_end = at;
      while (digits_end < stream.size() && is_digit(stream[digits_end]) &&
             digits_end - at < SyslogFramer::kMaxLengthDigits) {
        ++digits_end;
      }
      if (digits_end < stream.size() && stream[digits_end] == ' ') {
        uint64_t length = 0;
        for (size_t i = at; i < digits_end; ++i) length = length * 10 + static_cast<uint64_t>(stream[i] - '0');
        const size_t body = digits_end + 1;
        const uint64_t received = std::min<uint64_t>(length, stream.size() - body);
        if (received == length) {
          if (length > 0) emit(body, static_cast<size_t>(length), length > max_message_size);
          at = body + static_cast<size_t>(length);
          continue;
        }
        if (received > 0) emit(body, static_cast<size_t>(received), true);  // closed short of LEN
        break;
      }
    }
    size_t line_end = at;
    while (line_end < stream.size() && !is_terminator(stream[line_end])) ++line_end;
    emit(at, line_end - at, line_end - at > max_message_size);
    at = line_end;
  }
  return messages;
}

}  // namespace kinesyslog::framing::testing
