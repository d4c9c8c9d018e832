#pragma once
// Delivery to Kinesis Data Firehose with PutRecordBatch (docs/behaviour.md §5.2): one signed JSON 1.1 call per
// Destination::deliver, each record base64-encoded; the answer's RequestResponses become one
// RecordOutcome per record. Whole-call failures are sorted into "later", "not without a fix"
// and "this call is malformed" (the delivery loop then splits it to find the record at fault).
#include <string>
#include <string_view>
#include <vector>

#include "aws/signed_client.hpp"
#include "deliver/destination.hpp"

namespace kinesyslog::deliver {

// Called from the delivery thread only, like every Destination (the SignedClient's transport
// is that thread's HTTP connection).
class FirehoseDestination final : public Destination {
 public:
  // `stream` must satisfy aws::is_valid_stream_name.
  FirehoseDestination(std::string stream, aws::SignedClient& firehose);

  using Destination::deliver;
  DeliveryResult deliver(std::span<const OutgoingRecord> records, std::chrono::milliseconds time_limit) override;
  std::string_view describe() const override { return description_; }

 private:
  std::string stream_;
  std::string description_;
  std::string call_name_;  // "PutRecordBatch to <description_>", for messages
  aws::SignedClient& firehose_;
  std::string body_;                    // reused from call to call: one call's size at most
  std::vector<std::string_view> data_;  // the call's record data (Firehose has no partition key)
};

}  // namespace kinesyslog::deliver
