#include "core/json_escape.hpp"

#include <cstdint>
#include <cstring>

#include "core/hex.hpp"

namespace kinesyslog {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Non-zero when some byte of `word` is 0 (the classic SWAR zero-byte test).
constexpr uint64_t any_zero_byte(uint64_t word) { return (word - kOnes) & ~word & kHighBits; }

// True when all 8 bytes are printable ASCII other than `"` and `\`: copied as they are.
inline bool plain_ascii_word(uint64_t word) {
  const uint64_t non_ascii = word & kHighBits;
  // A byte < 0x20 borrows when 0x20 is subtracted; bytes >= 0x80 are caught above.
  const uint64_t control = (word - 0x20 * kOnes) & ~word & kHighBits;
  const uint64_t quote = any_zero_byte(word ^ (uint64_t{'"'} * kOnes));
  const uint64_t backslash = any_zero_byte(word ^ (uint64_t{'\\'} * kOnes));
  return (non_ascii | control | quote | backslash) == 0;
}

inline bool plain_ascii_byte(uint8_t byte) { return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\'; }

inline bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at `p` (lead byte >= 0x80), or 0 when the
// lead byte is not the start of one. RFC 3629 §4 table: excludes overlongs (C0, C1, E0 80..9F,
// F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF).
inline size_t valid_sequence_length(const uint8_t* p, size_t available) {
  const uint8_t lead = p[0];
  if (lead >= 0xC2 && lead <= 0xDF) {
    return available >= 2 && is_continuation(p[1]) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (available < 3) return 0;
    const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return p[1] >= low && p[1] <= high && is_continuation(p[2]) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (available < 4) return 0;
    const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= low && p[1] <= high && is_continuation(p[2]) && is_continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

inline void append_ascii_escape(std::string& out, uint8_t byte) {
  switch (byte) {
    case '"': out.append("\\\"", 2); return;
    case '\\': out.append("\\\\", 2); return;
    case '\n': out.append("\\n", 2); return;
    case '\r': out.append("\\r", 2); return;
    case '\t': out.append("\\t", 2); return;
    case '\b': out.append("\\b", 2); return;
    case '\f': out.append("\\f", 2); return;
    default: {
      const char escape[6] = {'\\', 'u', '0', '0', hex_high(byte), hex_low(byte)};
      out.append(escape, sizeof escape);
      return;
    }
  }
}

// Python's backslashreplace writes `\xNN`; json.dumps then doubles the backslash.
inline void append_invalid_byte(std::string& out, uint8_t byte) {
  const char escape[5] = {'\\', '\\', 'x', hex_high(byte), hex_low(byte)};
  out.append(escape, sizeof escape);
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view bytes) {
  const auto* const begin = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto* const end = begin + bytes.size();
  const auto* p = begin;
  while (p < end) {
    // Fast path: a run of plain ASCII, scanned 8 bytes at a time, copied in one append.
    const auto* run = p;
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof word);
      if (!plain_ascii_word(word)) break;
      p += 8;
    }
    while (p < end && plain_ascii_byte(*p)) ++p;
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;

    if (*p < 0x80) {
      append_ascii_escape(out, *p);
      ++p;
      continue;
    }
    // Each byte of a bad or truncated sequence is escaped on its own and decoding resumes
    // at the next byte: the same output as Python's "maximal subpart" error ranges.
    const size_t length = valid_sequence_length(p, static_cast<size_t>(end - p));
    if (length == 0) {
      append_invalid_byte(out, *p);
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), length);
      p += length;
    }
  }
}

}  // namespace kinesyslog
