#include "deliver/kinesis_destination.hpp"

#include <variant>

#include <fmt/format.h>

#include "aws/service_error.hpp"
#include "deliver/aws_access.hpp"

namespace kinesyslog::deliver {

KinesisDestination::KinesisDestination(std::string stream, aws::SignedClient& kinesis)
    : stream_(std::move(stream)),
      description_(fmt::format("Kinesis stream {} in {}", stream_, kinesis.signer().region())),
      kinesis_(kinesis) {}

DeliveryResult KinesisDestination::deliver(std::span<const OutgoingRecord> records,
                                           std::chrono::milliseconds time_limit) {
  records_.clear();
  for (const OutgoingRecord& record : records) {
    const std::string_view key = aws::kinesis_partition_key(record.partition_key);
    // PutRecords counts the key in the record's 1 MiB: such a record can never pass.
    if (record.data.size() + key.size() > aws::kKinesisMaxRecordBytes) {
      return DeliveryResult::invalid_call(
          fmt::format("PutRecords to {}: a record of {} bytes with its partition key is over the 1 MiB Kinesis allows",
                      description_, record.data.size() + key.size()));
    }
    records_.push_back({record.data, key});
  }
  aws::put_records_body(body_, stream_, records_);  // once: a retry after ExpiredToken sends the same body
  bool credentials_expired = false;
  DeliveryResult result = send_once(records.size(), time_limit, credentials_expired);
  if (credentials_expired) {
    // ExpiredTokenException: fetch fresh credentials and try once more straight away.
    kinesis_.credentials().invalidate();
    result = send_once(records.size(), time_limit, credentials_expired);
  }
  return result;
}

DeliveryResult KinesisDestination::send_once(size_t record_count, std::chrono::milliseconds time_limit,
                                             bool& credentials_expired) {
  credentials_expired = false;
  // Fresh headers for every attempt; the body's buffer returns to body_ however the attempt ends.
  aws::HttpRequest request = aws::json_1_1_request("Kinesis_20131202.PutRecords", std::move(body_));
  struct BodyBack {
    std::string& to;
    std::string& from;
    ~BodyBack() { to = std::move(from); }
  } body_back{body_, request.body};
  aws::HttpResponse response;
  try {
    response = kinesis_.send_in_place(request, time_limit);
  } catch (const aws::HttpTransportError& error) {
    return DeliveryResult::retryable_failure(fmt::format("PutRecords to {}: {}", description_, error.what()));
  } catch (const std::exception& error) {
    // No credentials right now (an IMDS or STS hiccup): the chain may have them later.
    return DeliveryResult::retryable_failure(
        fmt::format("PutRecords to {}: no credentials: {}", description_, error.what()));
  }
  if (response.status == 200) return read_outcomes(response, record_count);

  const aws::ServiceError error = aws::json_service_error(response);
  const std::string text = fmt::format("PutRecords to {}: {}", description_, error.describe());
  if (is_invalid_call(error)) return DeliveryResult::invalid_call(text);
  switch (aws::error_action(error)) {
    case aws::ErrorAction::kRetry:  // ProvisionedThroughputExceededException for the whole call, 5xx
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kRefreshCredentialsAndRetry:
      credentials_expired = true;
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kGiveUp:  // ResourceNotFoundException, AccessDeniedException, KMS refusals
      break;
  }
  return DeliveryResult::fatal_failure(text + "; the records stay in the spool until this is fixed");
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
        fmt::format("PutRecords to {}: {}: {}", description_, problem, response.body.substr(0, 200)));
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
