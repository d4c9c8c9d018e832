#pragma once
// The head of an HTTP/1.1 request (request line and headers) read from the bytes received so
// far, as a pure function: the HTTP server feeds it what a connection sent, a fuzz target
// feeds it anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kinesyslog::net {

struct HttpRequestHead {
  enum class Status : uint8_t {
    kNeedMore,  // no blank line yet, and still within the size bound
    kTooLarge,  // request line and headers over the bound: answered 431
    kBad,       // not "method SP target SP HTTP/1.x": answered 400
    kComplete,
  };
  Status status = Status::kNeedMore;
  std::string_view method;  // set when kComplete; views into the received bytes
  std::string_view target;  // path and query
};

// `received`: what the connection sent so far (after any PROXY header). `max_bytes` bounds the
// request line and headers, the blank line that ends them included.
HttpRequestHead read_request_head(std::string_view received, size_t max_bytes);

}  // namespace kinesyslog::net
