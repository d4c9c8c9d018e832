// Any bytes as what a client sent the metrics endpoint: the request head is read from them
// whole and, as the server does, from growing prefixes. Nothing may crash; a complete head's
// method and target lie inside the bytes, and the answer never depends on how they arrived.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_request_head.hpp"
#include "require.hpp"

namespace {

namespace net = kinesyslog::net;

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

// Input layout: 1 byte choosing the size bound (a multiple of 64 bytes, at least 64), then the bytes.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t max_bytes = (size_t{data[0]} + 1) * 64;
  const std::string_view received(reinterpret_cast<const char*>(data + 1), size - 1);
  const net::HttpRequestHead whole = net::read_request_head(received, max_bytes);
  if (whole.status == net::HttpRequestHead::Status::kComplete) {
    require(inside(whole.method, received) && inside(whole.target, received));
    require(whole.method.find(' ') == std::string_view::npos);
  }
  if (whole.status == net::HttpRequestHead::Status::kNeedMore) require(received.size() <= max_bytes);
  // The server reads again after every recv: the first prefix that is not kNeedMore decides,
  // and it must agree with reading everything at once.
  for (size_t length = 0; length <= received.size(); ++length) {
    const net::HttpRequestHead head = net::read_request_head(received.substr(0, length), max_bytes);
    if (head.status == net::HttpRequestHead::Status::kNeedMore) continue;
    require(head.status == whole.status);
    require(head.method == whole.method && head.target == whole.target);
    break;
  }
  return 0;
}
