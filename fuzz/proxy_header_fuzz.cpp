// Feeds arbitrary bytes to ProxyHeaderReader in chunks whose sizes come from the input and checks
// that chunking never changes the outcome and that the reader never takes a byte past the header.
//
// Input: [N][N chunk-size bytes][stream...]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/proxy_header.hpp"
#include "net/proxy_v2_header.hpp"
#include "require.hpp"

namespace {

using kinesyslog::net::ProxyHeader;
using kinesyslog::net::ProxyHeaderReader;
using Status = ProxyHeaderReader::Status;

struct Outcome {
  Status status = Status::kNeedMore;
  size_t header_size = 0;
  ProxyHeader header;
  std::string error;
  std::string payload;
  bool operator==(const Outcome&) const = default;
};

Outcome read(std::string_view stream, std::string_view chunk_sizes) {
  ProxyHeaderReader reader;
  Outcome outcome;
  size_t chunk = 0;
  while (!stream.empty()) {
    size_t size = stream.size();
    if (!chunk_sizes.empty()) size = 1 + static_cast<uint8_t>(chunk_sizes[chunk++ % chunk_sizes.size()]);
    size = std::min(size, stream.size());
    const std::string_view piece = stream.substr(0, size);
    if (reader.status() == Status::kNeedMore) {
      const size_t before = reader.header_size();
      reader.feed(piece);
      require(reader.header_bytes_in_last_feed() <= piece.size(), "a feed takes no more than it is given");
      require(reader.header_size() == before + reader.header_bytes_in_last_feed(), "header size adds up the feeds");
      outcome.payload += piece.substr(reader.header_bytes_in_last_feed());
    } else {
      outcome.payload += piece;
    }
    stream.remove_prefix(size);
  }
  outcome.status = reader.status();
  outcome.header_size = reader.header_size();
  outcome.header = reader.header();
  outcome.error = reader.error();
  require(outcome.status == Status::kInvalid ? !outcome.error.empty() : outcome.error.empty(),
          "a reason exactly when invalid");
  return outcome;
}

// Where the header must end, from the stream itself: v1 at the first CRLF, v2 at 16 + length.
void check_header_end(std::string_view stream, const Outcome& outcome) {
  if (outcome.status == Status::kNeedMore) {
    require(outcome.header_size == stream.size(), "needing more means every byte was header");
    return;
  }
  if (stream.starts_with("PROXY")) {
    require(outcome.header_size <= ProxyHeaderReader::kMaxV1LineSize, "a v1 line is at most 107 bytes");
    if (outcome.status == Status::kDone)
      require(outcome.header_size == stream.find("\r\n") + 2, "v1 ends at the first CRLF");
    return;
  }
  if (stream.size() >= 16 && stream.starts_with(kinesyslog::net::proxy_v2::kSignature)) {
    const size_t length = static_cast<size_t>(static_cast<uint8_t>(stream[14]) << 8 | static_cast<uint8_t>(stream[15]));
    require(outcome.header_size <= 16 + length, "v2 reads at most 16 + length bytes");
    if (outcome.status == Status::kDone) require(outcome.header_size == 16 + length, "v2 ends at 16 + length");
    return;
  }
  require(outcome.status == Status::kInvalid, "anything else is invalid");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input{reinterpret_cast<const char*>(data), size};
  const size_t chunk_count = std::min<size_t>(static_cast<uint8_t>(input[0]) % 16, input.size() - 1);
  const std::string_view chunk_sizes = input.substr(1, chunk_count);
  const std::string_view stream = input.substr(1 + chunk_count);

  const Outcome whole = read(stream, {});
  check_header_end(stream, whole);
  require(read(stream, chunk_sizes) == whole, "chunked feeds read like one feed");
  require(read(stream, std::string_view{"\0", 1}) == whole, "1-byte feeds read like one feed");
  if (whole.status == Status::kDone) {
    const Outcome header_only = read(stream.substr(0, whole.header_size), {});
    require(header_only.status == Status::kDone && header_only.header == whole.header,
            "the header alone decides, without a byte after it");
  }
  return 0;
}
