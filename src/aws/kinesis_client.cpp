#include "aws/kinesis_client.hpp"

#include <algorithm>

#include <simdjson.h>

#include "aws/base64.hpp"
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

std::variant<PutRecordsAnswer, std::string> parse_put_records_answer(std::string_view body) {
  // Its buffers grow to the largest answer seen and are reused, as the destinations' own parsers.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element document;
  simdjson::dom::array entries;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return std::string("PutRecords answered with something that is not JSON");
  }
  if (document["Records"].get_array().get(entries) != simdjson::SUCCESS) {
    return std::string("PutRecords answered without a Records array");
  }
  PutRecordsAnswer answer;
  uint64_t failed = 0;
  if (document["FailedRecordCount"].get_uint64().get(failed) == simdjson::SUCCESS) {
    answer.failed_record_count = static_cast<size_t>(failed);
  }
  answer.records.reserve(entries.size());
  for (simdjson::dom::element entry : entries) {
    if (!entry.is_object()) return std::string("PutRecords answered with a Records entry that is not an object");
    PutRecordsEntry& parsed = answer.records.emplace_back();
    std::string_view text;
    if (entry["SequenceNumber"].get_string().get(text) == simdjson::SUCCESS) {
      parsed.accepted = true;
      parsed.sequence_number = text;
      if (entry["ShardId"].get_string().get(text) == simdjson::SUCCESS) parsed.shard_id = text;
      continue;
    }
    // Neither a sequence number nor an error code: not written, as far as we can tell.
    parsed.error_code = entry["ErrorCode"].get_string().get(text) == simdjson::SUCCESS ? text : "UnknownError";
    if (entry["ErrorMessage"].get_string().get(text) == simdjson::SUCCESS) parsed.error_message = text;
  }
  return answer;
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
