#pragma once
// What every record shares, whoever makes, keeps or sends it: its size limit and the account
// id in its `owner` field.
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace kinesyslog {

// Firehose's maximum record size, before base64 (PutRecordBatch quotas).
inline constexpr size_t kFirehoseMaxRecordBytes = 1024000;

// The `owner` of records written with --output-dir, where no AWS account is involved.
inline constexpr std::string_view kLocalOwner = "000000000000";

// An AWS account id: exactly 12 decimal digits.
inline bool is_account_id(std::string_view text) {
  return text.size() == 12 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace kinesyslog
