#pragma once
// docs/behaviour.md §5.7 `--output-dir`: instead of calling AWS, each delivered call becomes one object
// under DIR/YYYY/MM/DD/HH/ (UTC hour) holding the records concatenated, named the way
// Firehose names S3 objects: <stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "deliver/destination.hpp"
#include "spool/atomic_file.hpp"

namespace kinesyslog::deliver {

class OutputDirectoryDestination final : public Destination {
 public:
  // Creates `directory` when missing; throws std::runtime_error naming it when it cannot be
  // created or opened. `seed` drives the random part of object names.
  OutputDirectoryDestination(std::filesystem::path directory, std::string stream_name, const Clock& clock,
                             uint64_t seed);

  // Writes the object atomically (never visible half-written). Disk full, permissions and
  // the like come back as a retryable failure naming the path.
  using Destination::deliver;
  DeliveryResult deliver(std::span<const OutgoingRecord> records, std::chrono::milliseconds time_limit) override;
  std::string_view describe() const override { return description_; }

 private:
  // Opens DIR/YYYY/MM/DD/HH, creating what is missing; reuses the handle within the hour.
  int hour_directory(const std::string& relative_path);
  std::string random_uuid();

  std::filesystem::path directory_;
  std::string stream_name_;
  const Clock& clock_;
  std::mt19937_64 random_;
  std::string description_;
  UniqueFd directory_fd_;
  spool::AtomicFileWriter writer_;
  std::string hour_path_;  // relative path of hour_fd_, e.g. "2026/03/01/17"
  UniqueFd hour_fd_;
  std::vector<std::string_view> data_;  // the call's record data, as the writer takes it (reused)
};

}  // namespace kinesyslog::deliver
