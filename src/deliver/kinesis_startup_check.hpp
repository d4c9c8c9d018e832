#pragma once
// Start-up checks for Kinesis Data Streams: DescribeStreamSummary must say ACTIVE or UPDATING
// for every stream, and STS GetCallerIdentity gives the account for records' `owner`. As for
// Firehose, only a definitive answer refuses to start (a missing stream: exit 78).
#include <string>
#include <vector>

#include "aws/signed_client.hpp"
#include "deliver/firehose_startup_check.hpp"

namespace kinesyslog::deliver {

// Not thread-safe: used by the start-up thread, then by the background thread only.
class KinesisStartupCheck final : public StartupCheck {
 public:
  // Every name must satisfy aws::is_valid_kinesis_stream_name.
  KinesisStartupCheck(std::vector<std::string> streams, aws::SignedClient& kinesis, aws::SignedClient& sts);

  bool attempt() override;
  const std::string& account() const override { return account_; }
  const std::string& last_problem() const override { return last_problem_; }

 private:
  bool check_stream(size_t index);
  bool check_account();

  std::vector<std::string> streams_;
  std::vector<bool> writable_;  // per stream: DescribeStreamSummary said ACTIVE or UPDATING
  aws::SignedClient& kinesis_;
  aws::SignedClient& sts_;
  std::string account_;
  std::string last_problem_;
};

}  // namespace kinesyslog::deliver
