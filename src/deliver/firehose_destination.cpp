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
      call_name_("PutRecordBatch to " + description_),
      firehose_(firehose) {}

DeliveryResult FirehoseDestination::deliver(std::span<const OutgoingRecord> records,
                                            std::chrono::milliseconds time_limit) {
  data_.clear();
  for (const OutgoingRecord& record : records) data_.push_back(record.data);
  aws::put_record_batch_body(body_, stream_, data_);
  return send_record_call(
      firehose_, "Firehose_20150804.PutRecordBatch", call_name_, body_, time_limit,
      [this, count = records.size()](const aws::HttpResponse& answer) { return read_outcomes(answer, count); });
}

DeliveryResult FirehoseDestination::read_outcomes(const aws::HttpResponse& response, size_t record_count) {
  simdjson::dom::element document;
  simdjson::dom::array entries;
  if (parser_.parse(response.body).get(document) != simdjson::SUCCESS ||
      document["RequestResponses"].get_array().get(entries) != simdjson::SUCCESS || entries.size() != record_count) {
    // Some records may have been accepted: retrying them all can duplicate, never lose.
    return DeliveryResult::retryable_failure(
        fmt::format("{}: an answer without one RequestResponses entry per record ({} sent): {}", call_name_,
                    record_count, response.body.substr(0, 200)));
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
