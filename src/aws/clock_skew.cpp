#include "aws/clock_skew.hpp"

#include <spdlog/spdlog.h>

#include "aws/iso8601.hpp"
#include "aws/service_error.hpp"
#include "aws/sigv4_signer.hpp"
#include "core/ascii.hpp"

namespace kinesyslog::aws {

ClockSkew& ClockSkew::process() {
  static ClockSkew skew;
  return skew;
}

std::optional<WallTime> response_date(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (ascii_equals_ignoring_case(name, "Date")) return parse_http_date(value);
  }
  return std::nullopt;
}

bool refuses_signature_time(const HttpResponse& response) {
  // Signature refusals are 400 (JSON protocol) or 403 (query protocol, S3).
  return (response.status == 400 || response.status == 403) && is_clock_skew(any_service_error(response));
}

std::optional<std::chrono::milliseconds> ClockSkew::correct_from(const HttpResponse& response,
                                                                 WallTime local_received) {
  if (!refuses_signature_time(response)) return std::nullopt;
  const std::string refusal = any_service_error(response).describe();
  const auto aws_now = response_date(response);
  if (!aws_now) {
    spdlog::warn("AWS refused a signature for its time but sent no readable Date header, so the clock "
                 "offset cannot be learnt; check this host's clock (NTP): {}", refusal);
    return std::nullopt;
  }
  const auto learnt = std::chrono::duration_cast<std::chrono::milliseconds>(*aws_now - local_received);
  const auto previous = std::chrono::milliseconds(offset_ms_.exchange(learnt.count()));
  // Threads refused at the same time learn the same offset (to within Date's one-second grain): log it once.
  if (std::chrono::abs(learnt - previous) < std::chrono::seconds(2)) return learnt;
  const double seconds = std::chrono::duration<double>(learnt).count();
  spdlog::warn("this host's clock is {:.0f} s {} AWS's (Date: {}); signing with AWS's time from now on; check NTP. "
               "AWS said: {}",
               seconds < 0 ? -seconds : seconds, seconds < 0 ? "ahead of" : "behind", amz_date(*aws_now), refusal);
  return learnt;
}

}  // namespace kinesyslog::aws
