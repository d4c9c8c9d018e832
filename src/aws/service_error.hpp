#pragma once
// Error answers from AWS services: the JSON 1.1 protocol's `__type` (Firehose) and the query
// protocol's <Error><Code> (STS), and what the caller should do about each.
#include <string>
#include <string_view>

#include "aws/http_transport.hpp"

namespace kinesyslog::aws {

struct ServiceError {
  long http_status = 0;
  std::string code;  // "ResourceNotFoundException"; empty when the body names none
  std::string message;

  std::string describe() const;  // "ResourceNotFoundException (HTTP 400): Stream x not found."
};

// `__type` may be "ns#Code" and x-amzn-ErrorType "Code:uri"; both are reduced to Code.
ServiceError json_service_error(const HttpResponse& response);
// The first <Code> and <Message> of the answer (<ErrorResponse><Error>…).
ServiceError query_service_error(const HttpResponse& response);
// Either dialect, chosen by the body (XML for the query protocol): for code that serves both.
ServiceError any_service_error(const HttpResponse& response);

enum class ErrorAction {
  kRetry,                       // throttling, 5xx, clock skew, a transient fault: the same call may succeed later
  kRefreshCredentialsAndRetry,  // the session token expired
  kGiveUp,                      // the request or the settings are wrong: retrying soon will not help
};

// The one table for every service and call (Firehose, STS): what to do about `error`.
ErrorAction error_action(const ServiceError& error);

// AWS refused the signature for its time, not its key: X-Amz-Date is more than 15 minutes from
// AWS's clock. Firehose says InvalidSignatureException and STS SignatureDoesNotMatch, both with
// "Signature expired" or "Signature not yet current"; S3-style services say RequestTimeTooSkewed.
bool is_clock_skew(const ServiceError& error);

}  // namespace kinesyslog::aws
