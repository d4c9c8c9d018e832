#include "aws/batch_answer.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace kinesyslog::aws {
namespace {

// An entry without the call's id was not written, whatever else it holds; when it names no code
// (the field missing or empty), it is reported under this one, so that every rejection names one.
constexpr std::string_view kUnknownEntryError = "UnknownError";

}  // namespace

std::variant<std::vector<BatchEntry>, std::string> parse_batch_answer(std::string_view body, BatchAnswerFields fields) {
  // Its buffers grow to the largest answer seen and are reused.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element document;
  simdjson::dom::array array;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return std::string("an answer that is not JSON");
  }
  if (document[fields.entries].get_array().get(array) != simdjson::SUCCESS) {
    return fmt::format("an answer without a {} array", fields.entries);
  }
  std::vector<BatchEntry> entries;
  entries.reserve(array.size());
  for (simdjson::dom::element element : array) {
    if (!element.is_object()) return fmt::format("an answer with a {} entry that is not an object", fields.entries);
    BatchEntry& entry = entries.emplace_back();
    std::string_view text;
    if (element[fields.id].get_string().get(text) == simdjson::SUCCESS) {
      entry.accepted = true;
      entry.id = text;
      if (element["ShardId"].get_string().get(text) == simdjson::SUCCESS) entry.shard_id = text;
      continue;
    }
    if (element["ErrorCode"].get_string().get(text) != simdjson::SUCCESS || text.empty()) text = kUnknownEntryError;
    entry.error_code = text;
    if (element["ErrorMessage"].get_string().get(text) == simdjson::SUCCESS) entry.error_message = text;
  }
  return entries;
}

}  // namespace kinesyslog::aws
