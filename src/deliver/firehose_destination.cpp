#include "deliver/firehose_destination.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/firehose_client.hpp"
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
  return send_record_call(firehose_, "Firehose_20150804.PutRecordBatch", call_name_, body_, time_limit,
                          aws::kPutRecordBatchAnswer, records.size());
}

}  // namespace kinesyslog::deliver
