// Any bytes as the 200 answer of a batch write call (PutRecords, PutRecordBatch): nothing may
// crash, a refused answer says why, and every entry read is either written (an id, no error
// code) or not written with an error code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/batch_answer.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

}  // namespace

// Input layout: 1 byte choosing the call (even: PutRecords, odd: PutRecordBatch), then the answer.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto answer =
      aws::parse_batch_answer(text, data[0] % 2 == 0 ? aws::kPutRecordsAnswer : aws::kPutRecordBatchAnswer);
  if (const auto* entries = std::get_if<std::vector<aws::BatchEntry>>(&answer)) {
    for (const aws::BatchEntry& entry : *entries) {
      require(entry.accepted ? entry.error_code.empty() : !entry.error_code.empty() && entry.id.empty());
    }
  } else {
    require(!std::get<std::string>(answer).empty());
  }
  return 0;
}
