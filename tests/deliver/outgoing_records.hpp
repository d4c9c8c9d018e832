#pragma once
// Calls for a Destination's tests: records whose data is given, all with one partition key.
#include <initializer_list>
#include <string_view>
#include <vector>

#include "deliver/destination.hpp"

namespace kinesyslog::testing {

inline std::vector<deliver::OutgoingRecord> outgoing(std::initializer_list<std::string_view> data,
                                                     std::string_view partition_key = "192.0.2.1") {
  std::vector<deliver::OutgoingRecord> records;
  for (std::string_view record : data) records.push_back({record, partition_key});
  return records;
}

}  // namespace kinesyslog::testing
