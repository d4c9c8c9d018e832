#pragma once
// Kinesis Data Firehose API calls (JSON 1.1 protocol, target prefix Firehose_20150804).
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"

namespace kinesyslog::aws {

// Stream names as the Firehose API model allows them: [a-zA-Z0-9_.-]{1,64}.
bool is_valid_stream_name(std::string_view name);

struct StreamStatus {
  std::string status;  // "ACTIVE", "CREATING", "DELETING", …
};

// DescribeDeliveryStream → DeliveryStreamDescription.DeliveryStreamStatus. `stream` must be valid.
// Throws HttpTransportError when no answer came.
std::variant<StreamStatus, ServiceError> describe_delivery_stream(SignedClient& firehose, std::string_view stream);

// The PutRecordBatch body for `records` (each base64-encoded), written into `body` (reused).
void put_record_batch_body(std::string& body, std::string_view stream, std::span<const std::string_view> records);

}  // namespace kinesyslog::aws
