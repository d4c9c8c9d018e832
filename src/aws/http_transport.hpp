#pragma once
// The seam between AWS clients (Firehose, STS, IMDS, ECS credentials) and the network:
// production uses libcurl with keep-alive; tests may substitute a scripted transport.
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "aws/endpoints.hpp"
#include "aws/http_request.hpp"

namespace kinesyslog::aws {

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds total{30'000};
};

// No HTTP answer at all (DNS, connect, TLS, timeout, reset): always worth retrying.
class HttpTransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` (already signed when it needs to be) to `endpoint`; the request's path
  // and query are used as they are. Throws HttpTransportError when no answer arrives.
  virtual HttpResponse send(const EndpointUrl& endpoint, const HttpRequest& request, const HttpTimeouts& timeouts) = 0;
};

}  // namespace kinesyslog::aws
