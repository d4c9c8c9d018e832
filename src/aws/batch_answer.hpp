#pragma once
// The 200 answers of the two batch write calls, PutRecordBatch (Firehose) and PutRecords
// (Kinesis Data Streams): one entry per record sent, in the order sent, each either an id (the
// record was written) or an error code (it was not).
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kinesyslog::aws {

// Where a call's answer keeps what it says.
struct BatchAnswerFields {
  std::string_view entries;  // the array with one entry per record
  std::string_view id;       // present in an entry of a written record
};
inline constexpr BatchAnswerFields kPutRecordBatchAnswer{"RequestResponses", "RecordId"};
inline constexpr BatchAnswerFields kPutRecordsAnswer{"Records", "SequenceNumber"};

struct BatchEntry {
  bool accepted = false;
  std::string id;             // when accepted: the RecordId or the SequenceNumber
  std::string shard_id;       // when accepted by Kinesis (ShardId)
  std::string error_code;     // when not: never empty ("UnknownError" when the answer names none)
  std::string error_message;  // when not, if given
};

// The entries of a batch answer; what is wrong when the body is not a JSON object whose
// `fields.entries` is an array of objects. The caller compares the count of entries with its
// call's. Reuses one parser per thread (each delivery thread calls it for every call).
std::variant<std::vector<BatchEntry>, std::string> parse_batch_answer(std::string_view body, BatchAnswerFields fields);

}  // namespace kinesyslog::aws
