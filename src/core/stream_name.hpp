#pragma once
// Stream names as the AWS API models define them: Firehose's DeliveryStreamName and Kinesis's
// StreamName are both [a-zA-Z0-9_.-]+, of 1-64 and 1-128 characters. Checked when the options are
// read, and again where a name goes into a request body (the rule leaves nothing to JSON-escape).
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace kinesyslog {

inline constexpr size_t kFirehoseStreamNameMax = 64;
inline constexpr size_t kKinesisStreamNameMax = 128;

inline bool is_stream_name(std::string_view name, size_t max_length) {
  return !name.empty() && name.size() <= max_length && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

}  // namespace kinesyslog
