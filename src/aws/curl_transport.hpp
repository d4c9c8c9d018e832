#pragma once
// HttpTransport on libcurl: one easy handle reused for every call, so the connection to an
// endpoint stays open between calls (docs/architecture.md#threads: the delivery thread owns the HTTP connection).
#include <array>
#include <atomic>
#include <cstddef>

#include "aws/http_transport.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// Not thread-safe: one instance belongs to one thread (libcurl easy handles must not be shared).
// TLS peers are always verified; HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment are honoured
// (libcurl reads them itself because no proxy is set here).
class CurlTransport final : public HttpTransport {
 public:
  // The answers the relay reads are small: PutRecordBatch's for 500 records is under 150 KiB, the
  // STS, IMDS and ECS ones a few KiB. A bigger one is not from AWS (a proxy's page, a wrong URL) and
  // is not kept in memory: the call fails with HttpTransportError.
  static constexpr std::size_t kDefaultMaxAnswerBytes = 1 << 20;

  explicit CurlTransport(std::size_t max_answer_bytes = kDefaultMaxAnswerBytes);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse send(const EndpointUrl& endpoint, const HttpRequest& request, const HttpTimeouts& timeouts) override;

  // Any thread (shutdown): no call lasts past `deadline` (steady clock): one in flight is
  // aborted then, later ones get only the time left. Throws HttpTransportError like a timeout.
  void end_calls_at(SteadyTime deadline);

 private:
  friend struct CurlCallbacks;  // libcurl's C callbacks, in the .cpp (curl.h stays out of this header)
  static constexpr std::size_t kErrorTextBytes = 256;  // CURL_ERROR_SIZE, checked where curl.h is included

  void* handle_;  // a CURL* (libcurl's CURL is void)
  std::atomic<SteadyTime> calls_end_at_{SteadyTime::max()};
  std::size_t max_answer_bytes_;
  std::array<char, kErrorTextBytes> error_text_{};
};

}  // namespace kinesyslog::aws
