#include "deliver/kinesis_destination.hpp"

#include <fmt/format.h>

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
  return send_record_call(kinesis_, "Kinesis_20131202.PutRecords", call_name_, body_, time_limit,
                          aws::kPutRecordsAnswer, records.size());
}

}  // namespace kinesyslog::deliver
