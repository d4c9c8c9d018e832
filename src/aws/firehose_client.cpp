#include "aws/firehose_client.hpp"

#include <algorithm>

#include <simdjson.h>

#include "aws/base64.hpp"
#include "core/stream_name.hpp"

namespace kinesyslog::aws {

bool is_valid_stream_name(std::string_view name) { return is_stream_name(name, kFirehoseStreamNameMax); }

std::variant<StreamStatus, ServiceError> describe_delivery_stream(SignedClient& firehose, std::string_view stream) {
  // The name needs no JSON escaping: is_valid_stream_name allows no quote or backslash.
  std::string body = "{\"DeliveryStreamName\":\"";
  body.append(stream).append("\"}");
  const HttpResponse response =
      firehose.send(json_1_1_request("Firehose_20150804.DescribeDeliveryStream", std::move(body)));
  if (response.status != 200) return json_service_error(response);
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  std::string_view status;
  if (parser.parse(response.body).get(document) != simdjson::SUCCESS ||
      document["DeliveryStreamDescription"]["DeliveryStreamStatus"].get_string().get(status) != simdjson::SUCCESS) {
    return ServiceError{
        response.status, "MalformedAnswer",
        "DescribeDeliveryStream answered without DeliveryStreamStatus: " + response.body.substr(0, 200)};
  }
  return StreamStatus{std::string(status)};
}

void put_record_batch_body(std::string& body, std::string_view stream, std::span<const std::string_view> records) {
  size_t size = 64 + stream.size();
  for (std::string_view record : records) size += base64_encoded_size(record.size()) + 12;
  body.clear();
  body.reserve(size);
  body.append("{\"DeliveryStreamName\":\"").append(stream).append("\",\"Records\":[");
  for (size_t i = 0; i < records.size(); ++i) {
    body.append(i == 0 ? "{\"Data\":\"" : ",{\"Data\":\"");
    append_base64(body, records[i]);
    body.append("\"}");
  }
  body.append("]}");
}

}  // namespace kinesyslog::aws
