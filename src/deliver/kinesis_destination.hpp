#pragma once
// Delivery to Kinesis Data Streams with PutRecords: one signed JSON 1.1 call per
// Destination::deliver, each record base64-encoded with its partition key (the source address,
// so one host's records land on one shard). The answer's Records become one RecordOutcome per
// record: a record refused for its shard's throughput or an internal failure is retried by the
// delivery loop with backoff, like a Firehose record refused in RequestResponses.
#include <string>
#include <vector>

#include "aws/kinesis_client.hpp"
#include "aws/signed_client.hpp"
#include "deliver/destination.hpp"

namespace kinesyslog::deliver {

// Called from its delivery thread only, like every Destination.
class KinesisDestination final : public Destination {
 public:
  // `stream` must satisfy aws::is_valid_kinesis_stream_name.
  KinesisDestination(std::string stream, aws::SignedClient& kinesis);

  using Destination::deliver;
  DeliveryResult deliver(std::span<const OutgoingRecord> records, std::chrono::milliseconds time_limit) override;
  std::string_view describe() const override { return description_; }

 private:
  std::string stream_;
  std::string description_;
  std::string call_name_;  // "PutRecords to <description_>", for messages
  aws::SignedClient& kinesis_;
  std::vector<aws::KinesisRecord> records_;  // the call's records with their keys cut to the API's limit
  std::string body_;                         // reused from call to call: one call's size at most
};

}  // namespace kinesyslog::deliver
