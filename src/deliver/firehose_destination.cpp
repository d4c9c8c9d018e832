#include "deliver/firehose_destination.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/firehose_client.hpp"
#include "aws/service_error.hpp"
#include "deliver/aws_access.hpp"

namespace kinesyslog::deliver {

FirehoseDestination::FirehoseDestination(std::string stream, aws::SignedClient& firehose)
    : stream_(std::move(stream)),
      description_(fmt::format("Firehose stream {} in {}", stream_, firehose.signer().region())),
      firehose_(firehose) {}

DeliveryResult FirehoseDestination::deliver(std::span<const OutgoingRecord> records,
                                            std::chrono::milliseconds time_limit) {
  data_.clear();
  for (const OutgoingRecord& record : records) data_.push_back(record.data);
  aws::put_record_batch_body(body_, stream_, data_);  // once: a retry after ExpiredToken sends the same body
  bool credentials_expired = false;
  DeliveryResult result = send_once(records.size(), time_limit, credentials_expired);
  if (credentials_expired) {
    // ExpiredTokenException: fetch fresh credentials and try once more straight away.
    firehose_.credentials().invalidate();
    result = send_once(records.size(), time_limit, credentials_expired);
  }
  return result;
}

DeliveryResult FirehoseDestination::send_once(size_t record_count, std::chrono::milliseconds time_limit,
                                              bool& credentials_expired) {
  credentials_expired = false;
  // Fresh headers for every attempt (the credentials may have changed); the body's buffer
  // returns to body_ however the attempt ends, so the next call reuses it.
  aws::HttpRequest request = aws::json_1_1_request("Firehose_20150804.PutRecordBatch", std::move(body_));
  struct BodyBack {
    std::string& to;
    std::string& from;
    ~BodyBack() { to = std::move(from); }
  } body_back{body_, request.body};
  aws::HttpResponse response;
  try {
    response = firehose_.send_in_place(request, time_limit);
  } catch (const aws::HttpTransportError& error) {
    return DeliveryResult::retryable_failure(fmt::format("PutRecordBatch to {}: {}", description_, error.what()));
  } catch (const std::exception& error) {
    // No credentials right now (an IMDS or STS hiccup): the chain may have them later.
    return DeliveryResult::retryable_failure(
        fmt::format("PutRecordBatch to {}: no credentials: {}", description_, error.what()));
  }
  if (response.status == 200) return read_outcomes(response, record_count);

  const aws::ServiceError error = aws::json_service_error(response);
  const std::string text = fmt::format("PutRecordBatch to {}: {}", description_, error.describe());
  if (is_invalid_call(error)) return DeliveryResult::invalid_call(text);
  switch (aws::error_action(error)) {
    case aws::ErrorAction::kRetry:
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kRefreshCredentialsAndRetry:
      credentials_expired = true;
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kGiveUp:
      break;
  }
  return DeliveryResult::fatal_failure(text + "; the records stay in the spool until this is fixed");
}

DeliveryResult FirehoseDestination::read_outcomes(const aws::HttpResponse& response, size_t record_count) {
  simdjson::dom::element document;
  simdjson::dom::array entries;
  if (parser_.parse(response.body).get(document) != simdjson::SUCCESS ||
      document["RequestResponses"].get_array().get(entries) != simdjson::SUCCESS || entries.size() != record_count) {
    // Some records may have been accepted: retrying them all can duplicate, never lose.
    return DeliveryResult::retryable_failure(
        fmt::format("PutRecordBatch to {}: an answer without one RequestResponses entry per record ({} sent): {}",
                    description_, record_count, response.body.substr(0, 200)));
  }
  std::vector<RecordOutcome> outcomes;
  outcomes.reserve(record_count);
  for (simdjson::dom::element entry : entries) {
    std::string_view record_id;
    if (entry["RecordId"].get_string().get(record_id) == simdjson::SUCCESS) {
      outcomes.push_back(RecordOutcome::accept(std::string(record_id)));
      continue;
    }
    std::string_view code;
    std::string_view message;
    if (entry["ErrorCode"].get_string().get(code) != simdjson::SUCCESS) code = "UnknownError";
    if (entry["ErrorMessage"].get_string().get(message) != simdjson::SUCCESS) message = {};
    outcomes.push_back(RecordOutcome::reject(std::string(code), std::string(message)));
  }
  return DeliveryResult::delivered(std::move(outcomes));
}

}  // namespace kinesyslog::deliver
