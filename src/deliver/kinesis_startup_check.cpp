#include "deliver/kinesis_startup_check.hpp"

#include <optional>
#include <variant>

#include <fmt/format.h>

#include "aws/kinesis_client.hpp"
#include "aws/sts_client.hpp"

namespace kinesyslog::deliver {

KinesisStartupCheck::KinesisStartupCheck(std::vector<std::string> streams, aws::SignedClient& kinesis,
                                         aws::SignedClient& sts)
    : streams_(std::move(streams)), writable_(streams_.size(), false), kinesis_(kinesis), sts_(sts) {}

bool KinesisStartupCheck::attempt() {
  last_problem_.clear();
  // Every call each time something is missing, so one unreachable service does not hide another's refusal.
  bool ready = true;
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (!writable_[i] && !check_stream(i)) ready = false;
  }
  if (account_.empty() && !check_account()) ready = false;
  return ready;
}

bool KinesisStartupCheck::check_stream(size_t index) {
  const std::string& stream = streams_[index];
  const std::string region = kinesis_.signer().region();
  const std::string what = fmt::format("DescribeStreamSummary for Kinesis stream {} in {}", stream, region);
  return startup_call(last_problem_, what, kinesis_, [&]() -> std::optional<aws::ServiceError> {
    auto answer = aws::describe_stream_summary(kinesis_, stream);
    if (auto* error = std::get_if<aws::ServiceError>(&answer)) {
      if (error->code == "ResourceNotFoundException") {
        throw StartupRefused(fmt::format("Kinesis stream {} does not exist in {} (--kinesis-stream, --region): {}",
                                         stream, region, error->describe()));
      }
      return std::move(*error);
    }
    const auto& status = std::get<aws::KinesisStreamStatus>(answer);
    if (!aws::kinesis_stream_accepts_writes(status.status)) {
      throw StartupRefused(fmt::format("Kinesis stream {} in {} is {}, not ACTIVE or UPDATING (--kinesis-stream)",
                                       stream, region, status.status));
    }
    writable_[index] = true;
    return std::nullopt;
  });
}

bool KinesisStartupCheck::check_account() {
  const std::string what = fmt::format("STS GetCallerIdentity at {}", sts_.endpoint().host_header());
  return startup_call(last_problem_, what, sts_, [&]() -> std::optional<aws::ServiceError> {
    auto answer = aws::get_caller_identity(sts_);
    if (auto* error = std::get_if<aws::ServiceError>(&answer)) return std::move(*error);
    account_ = std::get<aws::AccountId>(answer).digits;
    return std::nullopt;
  });
}

}  // namespace kinesyslog::deliver
