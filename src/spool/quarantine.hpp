#pragma once
// `<spool>/quarantine/`: where spool files that cannot be a record go (not a regular file,
// over Firehose's record size, not a complete gzip, or refused by the destination). They are
// never sent and never deleted: an operator looks at them. Thread-safe.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/unique_fd.hpp"

namespace kinesyslog::spool {

// How a move into quarantine ended.
enum class QuarantineResult {
  kMoved,        // now in quarantine/
  kGone,         // the file no longer existed (deleted meanwhile): nothing to keep
  kLeftInPlace,  // could not be moved (logged); it stays where it is and must not be sent
};

class Quarantine {
 public:
  static constexpr std::string_view kDirectoryName = "quarantine";

  // `spool_fd` stays owned by the caller and must outlive this. Counts what the directory holds.
  Quarantine(int spool_fd, std::string spool_path);

  // Moves the entry `name` of the spool directory into quarantine (created on demand, mode
  // 0700), logging its name and `reason`. kLeftInPlace, with an error logged, when it cannot be
  // moved (the file then stays where it is and must not be sent either).
  QuarantineResult move_in(const std::string& name, std::string_view reason);

  // Entries in the quarantine directory: counted at start and by recount(), kept up to date by move_in().
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  void recount();

 private:
  int open_directory_locked(bool create);

  int spool_fd_;
  std::string spool_path_;
  std::string path_;
  std::mutex mutex_;
  UniqueFd directory_fd_;
  std::atomic<uint64_t> count_{0};
};

}  // namespace kinesyslog::spool
