#include "aws/kinesis_client.hpp"

#include <algorithm>

#include <simdjson.h>

#include "aws/base64.hpp"
#include "aws/service_error.hpp"
#include "core/json_escape.hpp"
#include "core/stream_name.hpp"

namespace kinesyslog::aws {

bool is_valid_kinesis_stream_name(std::string_view name) { return is_stream_name(name, kKinesisStreamNameMax); }

std::string_view kinesis_partition_key(std::string_view key) {
  if (key.empty()) return "-";
  size_t characters = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    // A character starts at every byte that is not a UTF-8 continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(key[i]) & 0xC0) != 0x80 && ++characters > kKinesisMaxPartitionKeyCharacters) {
      return key.substr(0, i);
    }
  }
  return key;
}

void put_records_body(std::string& body, std::string_view stream, std::span<const KinesisRecord> records) {
  size_t size = 48 + stream.size();
  for (const KinesisRecord& record : records) {
    size += base64_encoded_size(record.data.size()) + record.partition_key.size() + 32;
  }
  body.clear();
  body.reserve(size);
  // The name needs no JSON escaping: is_valid_kinesis_stream_name allows no quote or backslash.
  body.append("{\"StreamName\":\"").append(stream).append("\",\"Records\":[");
  for (size_t i = 0; i < records.size(); ++i) {
    body.append(i == 0 ? "{\"Data\":\"" : ",{\"Data\":\"");
    append_base64(body, records[i].data);
    body.append("\",\"PartitionKey\":\"");
    append_json_escaped(body, records[i].partition_key);
    body.append("\"}");
  }
  body.append("]}");
}

bool kinesis_stream_accepts_writes(std::string_view status) { return status == "ACTIVE" || status == "UPDATING"; }

std::variant<KinesisStreamStatus, ServiceError> describe_stream_summary(SignedClient& kinesis,
                                                                        std::string_view stream) {
  std::string body = "{\"StreamName\":\"";
  body.append(stream).append("\"}");
  const HttpResponse response =
      kinesis.send(json_1_1_request("Kinesis_20131202.DescribeStreamSummary", std::move(body)));
  if (response.status != 200) return json_service_error(response);
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  std::string_view status;
  if (parser.parse(response.body).get(document) != simdjson::SUCCESS ||
      document["StreamDescriptionSummary"]["StreamStatus"].get_string().get(status) != simdjson::SUCCESS) {
    return ServiceError{response.status, "MalformedAnswer",
                        "DescribeStreamSummary answered without StreamStatus: " + response.body.substr(0, 200)};
  }
  return KinesisStreamStatus{std::string(status)};
}

}  // namespace kinesyslog::aws
