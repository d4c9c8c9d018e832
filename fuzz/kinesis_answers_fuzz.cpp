// Any bytes as a Kinesis PutRecords answer, and as a partition key: nothing may crash, every
// entry read is either accepted with a sequence number or rejected with an error code, and a
// cut partition key is a prefix of at most 256 characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <simdjson.h>

#include "aws/kinesis_client.hpp"

namespace {

namespace aws = kinesyslog::aws;

void require(bool condition) {
  if (!condition) std::abort();
}

size_t utf8_characters(std::string_view text) {
  size_t characters = 0;
  for (char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return characters;
}

}  // namespace

// Input layout: 1 byte choosing what the text is (an answer, or a partition key), then the text.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    const auto answer = aws::parse_put_records_answer(text);
    if (const auto* parsed = std::get_if<aws::PutRecordsAnswer>(&answer)) {
      for (const aws::PutRecordsEntry& entry : parsed->records) {
        require(entry.accepted ? entry.error_code.empty() : !entry.error_code.empty());
      }
    } else {
      require(!std::get<std::string>(answer).empty());
    }
    return 0;
  }
  const std::string_view key = aws::kinesis_partition_key(text);
  require(!key.empty() && utf8_characters(key) <= aws::kKinesisMaxPartitionKeyCharacters);
  require(text.empty() ? key == "-" : text.starts_with(key));
  const aws::KinesisRecord record{text.substr(0, 64), key};
  std::string body;
  aws::put_records_body(body, "fuzz", {&record, 1});
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  require(parser.parse(body).get(document) == simdjson::SUCCESS);
  return 0;
}
