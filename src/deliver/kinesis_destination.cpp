#include "deliver/kinesis_destination.hpp"

#include <variant>

#include <fmt/format.h>

#include "aws/service_error.hpp"
#include "deliver/aws_access.hpp"

namespace kinesyslog::deliver {

KinesisDestination::KinesisDestination(std::string stream, aws::SignedClient& kinesis)
    : stream_(std::move(stream)),
      description_(fmt::format("Kinesis stream {} in {}", stream_, kinesis.signer().region())),
      call_name_("PutRecords to " + description_),
      kinesis_(kinesis) {}

DeliveryResult KinesisDestination::deliver(std::span<const OutgoingRecord> records,
                                           std::chrono::milliseconds time_limit) {
  records_.clear();
  for (const OutgoingRecord& record : records) {
    const std::string_view key = aws::kinesis_partition_key(record.partition_key);
    // PutRecords counts the key in the record's 1 MiB: such a record can never pass.
    if (record.data.size() + key.size() > aws::kKinesisMaxRecordBytes) {
      return DeliveryResult::invalid_call(
          fmt::format("{}: a record of {} bytes with its partition key is over the 1 MiB Kinesis allows", call_name_,
                      record.data.size() + key.size()));
    }
    records_.push_back({record.data, key});
  }
  aws::put_records_body(body_, stream_, records_);
  return send_record_call(
      kinesis_, "Kinesis_20131202.PutRecords", call_name_, body_, time_limit,
      [this, count = records.size()](const aws::HttpResponse& answer) { return read_outcomes(answer, count); });
}

DeliveryResult KinesisDestination::read_outcomes(const aws::HttpResponse& response, size_t record_count) {
  auto answer = aws::parse_put_records_answer(response.body);
  auto* parsed = std::get_if<aws::PutRecordsAnswer>(&answer);
  if (parsed == nullptr || parsed->records.size() != record_count) {
    // Some records may have been written: retrying them all can duplicate, never lose.
    const std::string problem =
        parsed == nullptr ? std::get<std::string>(answer)
                          : fmt::format("{} Records entries for {} records", parsed->records.size(), record_count);
    return DeliveryResult::retryable_failure(
        fmt::format("{}: {}: {}", call_name_, problem, response.body.substr(0, 200)));
  }
  std::vector<RecordOutcome> outcomes;
  outcomes.reserve(record_count);
  for (aws::PutRecordsEntry& entry : parsed->records) {
    if (entry.accepted) {
      outcomes.push_back(RecordOutcome::accept(std::move(entry.sequence_number)));
    } else {
      outcomes.push_back(RecordOutcome::reject(std::move(entry.error_code), std::move(entry.error_message)));
    }
  }
  return DeliveryResult::delivered(std::move(outcomes));
}

}  // namespace kinesyslog::deliver
