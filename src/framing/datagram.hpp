#pragma once
// Syslog over UDP (docs/behaviour.md §2.2): one datagram holds one or more messages separated by LF.
#include <cstddef>
#include <cstring>
#include <string_view>

#include "framing/terminator.hpp"

namespace kinesyslog::framing {

// Calls on_message(std::string_view message, bool truncated) for each message of `datagram`,
// a view into it. Trailing LF/CR/NUL are dropped from each piece and empty pieces yield nothing;
// a piece longer than max_message_size is cut to it with truncated = true.
template <class OnMessage>
void split_datagram(std::string_view datagram, size_t max_message_size, OnMessage&& on_message) {
  const char* cursor = datagram.data();
  const char* const end = cursor + datagram.size();
  while (cursor != end) {
    const void* found = std::memchr(cursor, '\n', static_cast<size_t>(end - cursor));
    const char* const piece_end = found != nullptr ? static_cast<const char*>(found) : end;
    size_t length = static_cast<size_t>(piece_end - cursor);
    while (length > 0 && is_terminator(cursor[length - 1])) --length;
    if (length > max_message_size) {
      on_message(std::string_view{cursor, max_message_size}, true);
    } else if (length > 0) {
      on_message(std::string_view{cursor, length}, false);
    }
    cursor = piece_end == end ? end : piece_end + 1;
  }
}

}  // namespace kinesyslog::framing
