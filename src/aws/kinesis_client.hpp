#pragma once
// Kinesis Data Streams API calls (JSON 1.1 protocol, target prefix Kinesis_20131202): the
// PutRecords body and answer, and DescribeStreamSummary for the start-up check.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"

namespace kinesyslog::aws {

// PutRecords limits (Kinesis API reference, PutRecords): 500 records per call, 5 MiB per call
// counting data and partition keys, 1 MiB per record counting its data and its partition key.
inline constexpr size_t kKinesisMaxRecordsPerCall = 500;
inline constexpr size_t kKinesisMaxCallBytes = 5 * 1024 * 1024;
inline constexpr size_t kKinesisMaxRecordBytes = 1024 * 1024;
// PartitionKey: 1 to 256 Unicode characters.
inline constexpr size_t kKinesisMaxPartitionKeyCharacters = 256;

// Stream names as the Kinesis API model allows them: [a-zA-Z0-9_.-]{1,128}.
bool is_valid_kinesis_stream_name(std::string_view name);

// `key` cut to its first 256 characters (UTF-8 sequences kept whole); "-" for an empty key,
// which PutRecords refuses.
std::string_view kinesis_partition_key(std::string_view key);

struct KinesisRecord {
  std::string_view data;
  std::string_view partition_key;  // already passed through kinesis_partition_key
};

// The PutRecords body for `records` (data base64-encoded), written into `body` (reused). `stream`
// must be valid; partition keys are JSON-escaped.
void put_records_body(std::string& body, std::string_view stream, std::span<const KinesisRecord> records);

struct KinesisStreamStatus {
  std::string status;  // "ACTIVE", "UPDATING", "CREATING", "DELETING"
};

// PutRecords is accepted while a stream is ACTIVE or UPDATING (resharding, retention or
// encryption changes); CREATING and DELETING streams refuse writes.
bool kinesis_stream_accepts_writes(std::string_view status);

// DescribeStreamSummary → StreamDescriptionSummary.StreamStatus. `stream` must be valid.
// Throws HttpTransportError when no answer came.
std::variant<KinesisStreamStatus, ServiceError> describe_stream_summary(SignedClient& kinesis, std::string_view stream);

}  // namespace kinesyslog::aws
