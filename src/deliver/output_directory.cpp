#include "deliver/output_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "core/calendar.hpp"

namespace kinesyslog::deliver {
namespace {

constexpr mode_t kObjectMode = 0644;
constexpr mode_t kDirectoryMode = 0755;

// The calendar fields Firehose puts in S3 key prefixes and object names, UTC.
struct UtcFields {
  int year;
  unsigned month, day;
  long hour, minute, second;
};

UtcFields utc_fields(WallTime time) {
  const UtcDateTime utc = utc_date_time(time);
  return UtcFields{static_cast<int>(utc.date.year()), static_cast<unsigned>(utc.date.month()),
                   static_cast<unsigned>(utc.date.day()), static_cast<long>(utc.time.hours().count()),
                   static_cast<long>(utc.time.minutes().count()), static_cast<long>(utc.time.seconds().count())};
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

OutputDirectoryDestination::OutputDirectoryDestination(std::filesystem::path directory, std::string stream_name,
                                                       const Clock& clock, uint64_t seed)
    : directory_(std::move(directory)),
      stream_name_(std::move(stream_name)),
      clock_(clock),
      random_(seed),
      description_(fmt::format("output directory {} (stream {})", directory_.string(), stream_name_)) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    throw std::runtime_error(fmt::format("output directory {} cannot be created: {}", directory_.string(), error.message()));
  }
  directory_fd_ = UniqueFd(::open(directory_.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!directory_fd_.valid()) {
    throw std::runtime_error(fmt::format("output directory {} cannot be opened: {}", directory_.string(), std::strerror(errno)));
  }
}

int OutputDirectoryDestination::hour_directory(const std::string& relative_path) {
  if (hour_fd_.valid() && hour_path_ == relative_path) return hour_fd_.get();
  hour_fd_.reset();
  UniqueFd current(::openat(directory_fd_.get(), ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!current.valid()) throw_errno("opening " + directory_.string());
  std::filesystem::path walked = directory_;
  for (const auto& component : std::filesystem::path(relative_path)) {
    walked /= component;
    const bool created = ::mkdirat(current.get(), component.c_str(), kDirectoryMode) == 0;
    if (!created && errno != EEXIST) throw_errno("creating directory " + walked.string());
    UniqueFd next(::openat(current.get(), component.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!next.valid()) throw_errno("opening directory " + walked.string());
    // A new directory entry is durable only once its parent is synced.
    if (created) spool::sync_directory(current.get(), walked.string());
    current = std::move(next);
  }
  hour_fd_ = std::move(current);
  hour_path_ = relative_path;
  return hour_fd_.get();
}

std::string OutputDirectoryDestination::random_uuid() {
  // RFC 9562 §5.4 version 4: 122 random bits, version nibble 4, variant bits 10.
  uint64_t high = random_();
  uint64_t low = random_();
  high = (high & ~0xF000ULL) | 0x4000ULL;
  low = (low & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF,
                     low >> 48, low & 0xFFFFFFFFFFFFULL);
}

// A local write has no timeout to shorten: `time_limit` is not needed.
DeliveryResult OutputDirectoryDestination::deliver(std::span<const OutgoingRecord> records,
                                                   std::chrono::milliseconds /*time_limit*/) {
  std::vector<RecordOutcome> outcomes(records.size(), RecordOutcome::accept());
  if (records.empty()) return DeliveryResult::delivered(std::move(outcomes));
  const UtcFields now = utc_fields(clock_.now());
  const std::string relative_path = fmt::format("{:04}/{:02}/{:02}/{:02}", now.year, now.month, now.day, now.hour);
  const std::string object = fmt::format("{}-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{}", stream_name_, now.year, now.month,
                                         now.day, now.hour, now.minute, now.second, random_uuid());
  try {
    const int dir_fd = hour_directory(relative_path);
    data_.clear();
    for (const OutgoingRecord& record : records) data_.push_back(record.data);
    writer_.write(dir_fd, object, "." + object + ".tmp", data_, kObjectMode);
  } catch (const std::system_error& error) {
    hour_fd_.reset();  // the directory may have been removed or replaced: look again next time
    return DeliveryResult::retryable_failure(
        fmt::format("cannot write {} records to output directory {}: {}", records.size(), directory_.string(), error.what()));
  }
  return DeliveryResult::delivered(std::move(outcomes));
}

}  // namespace kinesyslog::deliver
