#pragma once
// Test support: what a framer delivered, copied out of the callback so it can be compared.
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "framing/syslog_framer.hpp"

namespace kinesyslog::framing::testing {

struct Framed {
  std::string text;
  bool truncated = false;
  friend bool operator==(const Framed&, const Framed&) = default;
  friend void PrintTo(const Framed& framed, std::ostream* out) {
    *out << '"';
    for (char byte : framed.text) {
      if (byte == '\n') *out << "\\n";
      else if (byte == '\r') *out << "\\r";
      else if (byte == '\0') *out << "\\0";
      else *out << byte;
    }
    *out << '"' << (framed.truncated ? " (truncated)" : "");
  }
};

inline Framed whole(std::string text) { return {std::move(text), false}; }
inline Framed cut(std::string text) { return {std::move(text), true}; }

// Appends every delivered message to `messages`.
struct CollectInto {
  std::vector<Framed>* messages;
  void operator()(std::string_view text, bool truncated) const { messages->push_back({std::string{text}, truncated}); }
};

// The stream fed in consecutive pieces ending at each offset of `cuts`, then the rest, then closed.
inline std::vector<Framed> frame_in_pieces(std::string_view stream, size_t max_message_size,
                                           const std::vector<size_t>& cuts, bool close = true) {
  std::vector<Framed> messages;
  SyslogFramer framer{max_message_size};
  size_t begin = 0;
  for (size_t cut_at : cuts) {
    framer.feed(stream.substr(begin, cut_at - begin), CollectInto{&messages});
    begin = cut_at;
  }
  framer.feed(stream.substr(begin), CollectInto{&messages});
  if (close) framer.finish(CollectInto{&messages});
  return messages;
}

inline std::vector<Framed> frame_whole(std::string_view stream, size_t max_message_size, bool close = true) {
  return frame_in_pieces(stream, max_message_size, {}, close);
}

inline std::vector<Framed> frame_byte_by_byte(std::string_view stream, size_t max_message_size) {
  std::vector<size_t> cuts;
  for (size_t offset = 1; offset < stream.size(); ++offset) cuts.push_back(offset);
  return frame_in_pieces(stream, max_message_size, cuts);
}

}  // namespace kinesyslog::framing::testing
