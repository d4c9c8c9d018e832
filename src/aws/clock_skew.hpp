#pragma once
// How far AWS's clock is from ours. SigV4 signatures are refused more than 15 minutes away from
// AWS's time, so a host that boots with a wrong clock (a VM before NTP syncs) could not sign any
// request; like the AWS SDKs, the offset is learnt from the Date header of such a refusal and
// every later signature uses the corrected time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "aws/http_transport.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// Thread-safe: the delivery thread, the start-up checks and credential refreshes share one.
class ClockSkew {
 public:
  // The one every signed request of this process uses (SignedClient's and StsRoleClient's default).
  static ClockSkew& process();

  // Our time `local` as AWS's clock reads it: the time to sign with.
  WallTime aws_time(WallTime local) const { return local + offset(); }
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }
  void set_offset(std::chrono::milliseconds offset) { offset_ms_.store(offset.count()); }

  // When `response` refuses a signature for its time and its Date header is readable: keeps
  // Date - `local_received` as the offset (logged) and returns it, so the request can be signed
  // again at once. nullopt for any other answer, which changes nothing.
  std::optional<std::chrono::milliseconds> correct_from(const HttpResponse& response, WallTime local_received);

 private:
  std::atomic<int64_t> offset_ms_{0};
};

// Whether `response` refuses a signature for its time (is_clock_skew, in either protocol's dialect).
bool refuses_signature_time(const HttpResponse& response);

// The Date header of `response`, if it is there and readable.
std::optional<WallTime> response_date(const HttpResponse& response);

}  // namespace kinesyslog::aws
