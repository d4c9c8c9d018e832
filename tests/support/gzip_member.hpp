#pragma once
// Compression made with zlib itself, as senders and the encoder's readers know it: raw
// zlib or gzip wrappers (RFC 1950, RFC 1952).
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace kinesyslog::testing {

// `window_bits` as deflateInit2 takes it: 15 for a zlib stream, 16 + 15 for a gzip member.
inline std::string zlib_deflate(std::string_view text, int window_bits, int level = Z_DEFAULT_COMPRESSION) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string compressed(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_out = static_cast<uInt>(compressed.size());
  const int result = deflate(&stream, Z_FINISH);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return compressed;
}

// One gzip member holding `text`, as the encoder writes a record.
inline std::string gzip_member(std::string_view text) { return zlib_deflate(text, 16 + MAX_WBITS, 6); }

}  // namespace kinesyslog::testing
