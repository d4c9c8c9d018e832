#include "aws/batch_answer.hpp"

#include <gtest/gtest.h>

namespace kinesyslog::aws {
namespace {

std::vector<BatchEntry> entries_of(std::string_view body, BatchAnswerFields fields) {
  auto answer = parse_batch_answer(body, fields);
  if (auto* problem = std::get_if<std::string>(&answer)) {
    ADD_FAILURE() << *problem;
    return {};
  }
  return std::get<std::vector<BatchEntry>>(std::move(answer));
}

TEST(BatchAnswer, PutRecordsGivesOneEntryPerRecordInOrder) {
  const auto entries =
      entries_of(R"({"FailedRecordCount":2,"Records":[{"SequenceNumber":"4954","ShardId":"shardId-000000000001"},)"
                 R"({"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard"},)"
                 R"({"ErrorCode":"InternalFailure","ErrorMessage":"Internal service failure."}]})",
                 kPutRecordsAnswer);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[0].accepted);
  EXPECT_EQ(entries[0].id, "4954");
  EXPECT_EQ(entries[0].shard_id, "shardId-000000000001");
  EXPECT_FALSE(entries[1].accepted);
  EXPECT_EQ(entries[1].error_code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(entries[1].error_message, "Rate exceeded for shard");
  EXPECT_EQ(entries[2].error_code, "InternalFailure");
}

TEST(BatchAnswer, PutRecordBatchGivesOneEntryPerRecordInOrder) {
  const auto entries = entries_of(R"({"FailedPutCount":1,"Encrypted":false,"RequestResponses":[)"
                                  R"({"ErrorCode":"ServiceUnavailableException","ErrorMessage":"Slow down."},)"
                                  R"({"RecordId":"id-2"}]})",
                                  kPutRecordBatchAnswer);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_FALSE(entries[0].accepted);
  EXPECT_EQ(entries[0].error_code, "ServiceUnavailableException");
  EXPECT_EQ(entries[0].error_message, "Slow down.");
  EXPECT_TRUE(entries[1].accepted);
  EXPECT_EQ(entries[1].id, "id-2");
}

TEST(BatchAnswer, AnEntryWithoutAnIdWasNotWrittenAndAlwaysNamesACode) {
  // An entry with neither field, or an empty code, was still not written.
  for (const BatchAnswerFields fields : {kPutRecordsAnswer, kPutRecordBatchAnswer}) {
    const std::string body = std::string(R"({")") + std::string(fields.entries) +
                             R"(":[{},{"ErrorCode":""},{"ErrorCode":"","ErrorMessage":"x"}]})";
    const auto entries = entries_of(body, fields);
    ASSERT_EQ(entries.size(), 3u) << body;
    for (const BatchEntry& entry : entries) {
      EXPECT_FALSE(entry.accepted) << body;
      EXPECT_EQ(entry.error_code, "UnknownError") << body;
    }
    EXPECT_EQ(entries[2].error_message, "x");
  }
}

TEST(BatchAnswer, TheOtherCallsIdDoesNotCount) {
  const auto entries = entries_of(R"({"Records":[{"RecordId":"a"}]})", kPutRecordsAnswer);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].accepted);
}

TEST(BatchAnswer, MalformedAnswersAreNamed) {
  const auto problem = [](std::string_view body, BatchAnswerFields fields) {
    auto answer = parse_batch_answer(body, fields);
    return std::holds_alternative<std::string>(answer) ? std::get<std::string>(answer) : std::string();
  };
  EXPECT_EQ(problem("<html>", kPutRecordsAnswer), "an answer that is not JSON");
  EXPECT_EQ(problem(R"({"FailedRecordCount":0})", kPutRecordsAnswer), "an answer without a Records array");
  EXPECT_EQ(problem(R"({"Records":[{}]})", kPutRecordBatchAnswer), "an answer without a RequestResponses array");
  EXPECT_EQ(problem(R"({"Records":[1]})", kPutRecordsAnswer), "an answer with a Records entry that is not an object");
}

}  // namespace
}  // namespace kinesyslog::aws
