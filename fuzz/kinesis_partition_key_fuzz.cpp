// Any bytes as a Kinesis partition key: a cut key is a non-empty prefix of at most 256
// characters, and the PutRecords body carrying it is JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "aws/kinesis_client.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

size_t utf8_characters(std::string_view text) {
  size_t characters = 0;
  for (char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return characters;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
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
