#pragma once
// The durable spool (docs/behaviour.md §7, docs/architecture.md#durability): each record is a file
// `firehose_event-<unique>` in one directory, published atomically, removed only once the
// destination has accepted it. Thread-safe: encoder threads publish concurrently while the
// delivery thread scans, reads and removes. One process per spool directory. A file that
// cannot be a record is moved to `<spool>/quarantine/` (see Quarantine), never sent.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/record.hpp"
#include "core/unique_fd.hpp"
#include "spool/atomic_file.hpp"
#include "spool/quarantine.hpp"
#include "spool/record_route.hpp"
#include "spool/shared_directory_sync.hpp"

namespace kinesyslog::spool {

// A record waiting in the spool.
struct SpoolFile {
  std::string name;    // file name inside the spool directory
  uint64_t size = 0;   // bytes of record data
  WallTime created{};  // from the name for our files; the file's mtime for others
  std::string source;  // the route in the name (see record_route.hpp); empty when it has none
  uint16_t port = 0;
};

// A record written under its temporary name and synced, not yet visible to delivery: the
// first half of a two-phase publish (the caller notes the temporary name durably elsewhere,
// then commits). Move-only; one not committed must be discarded.
class PreparedRecord {
 public:
  PreparedRecord() = default;
  const std::string& temporary_name() const { return temporary_name_; }
  uint64_t size() const { return size_; }
  bool valid() const { return fd_.valid(); }

 private:
  friend class Spool;
  std::string name_;
  std::string temporary_name_;
  uint64_t size_ = 0;
  WallTime created_{};
  RecordRoute route_;
  UniqueFd fd_;  // kept open: the record's identity is read from it after the rename
};

// A record written under its temporary name and not synced yet: what a group commit takes in
// (see GroupCommitter). It holds its bytes against the spool's cap until committed or discarded.
// Move-only; one not committed must be discarded.
class StagedRecord {
 public:
  StagedRecord() = default;
  StagedRecord(StagedRecord&& other) noexcept { *this = std::move(other); }
  StagedRecord& operator=(StagedRecord&& other) noexcept {
    name_ = std::move(other.name_);
    temporary_name_ = std::move(other.temporary_name_);
    size_ = other.size_;
    created_ = other.created_;
    route_ = std::move(other.route_);
    reserved_ = std::exchange(other.reserved_, false);
    return *this;
  }
  const std::string& temporary_name() const { return temporary_name_; }
  uint64_t size() const { return size_; }
  // Holds its bytes against the cap: neither committed nor discarded yet.
  bool valid() const { return reserved_; }
  // Whether a file is waiting under the temporary name (false after a failed round removed it).
  bool written() const { return !temporary_name_.empty(); }

 private:
  friend class Spool;
  std::string name_;
  std::string temporary_name_;  // empty while nothing is written
  uint64_t size_ = 0;
  WallTime created_{};
  RecordRoute route_;  // goes into every name it is written under
  bool reserved_ = false;
};

// Oldest first: by creation time, then by name (our names are unique and sort the same way).
struct OldestFirst {
  bool operator()(const SpoolFile& a, const SpoolFile& b) const {
    if (a.created != b.created) return a.created < b.created;
    return a.name < b.name;
  }
};

// The spool directory is missing, not a directory, or not writable; or a spool file failed.
class SpoolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// publish() refused a record because the spool holds `max_bytes` already (docs/behaviour.md §7.5: old data
// is never deleted to make room; the caller counts and logs the refusal).
class SpoolFullError : public SpoolError {
 public:
  using SpoolError::SpoolError;
};

struct SpoolOptions {
  bool allow_tmpfile = true;  // false forces the temporary-name + rename path (tests, odd filesystems)
  uint64_t max_bytes = 0;     // cap on record bytes waiting in the spool; 0: no cap
  uint64_t max_record_bytes = kFirehoseMaxRecordBytes;      // larger files are quarantined
  DirectorySync sync_directory = spool::sync_directory;     // tests make it fail
  FilesystemSync sync_filesystem = spool::sync_filesystem;  // a group commit's data sync; tests make it fail
};

// What read() found under a record's name.
enum class ReadResult {
  kRead,         // the record's bytes were appended
  kGone,         // the file no longer exists
  kQuarantined,  // not a record (see Quarantine): moved aside, or left in place if that failed; never send it
};

class Spool {
 public:
  static constexpr std::string_view kRecordPrefix = "firehose_event-";
  // Crash leftovers of the rename path: the leading '.' keeps them from ever being taken for a record.
  static constexpr std::string_view kTemporaryPrefix = ".firehose_event-";

  // Throws SpoolError naming `directory` when it does not exist, is not a directory or is not writable.
  Spool(std::filesystem::path directory, const Clock& clock, SpoolOptions options = {});
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Writes one record durably (fdatasync, then link/rename, then directory fsync) and
  // returns it; only then can the delivery stage see it. Throws SpoolFullError past the cap
  // (a soft cap: concurrent publishes may pass it by one record each), SpoolError otherwise.
  // Two syncs per record bound the record rate by the disk's sync rate: the encoders publish
  // through a GroupCommitter instead, which syncs many records at once. `route` goes into the
  // file's name (and the SpoolFile returned).
  SpoolFile publish(std::string_view record, const RecordRoute& route = {});

  // Two-phase publish, for callers that must note a record durably before it appears (the
  // journal's commit log). prepare() writes and syncs the record under its temporary name,
  // and syncs the directory so the name survives a power loss too (never O_TMPFILE: the name must exist for a crash to
  // leave something to roll forward); throws as publish() does. commit() renames it into place and syncs the directory,
  // and returns it as publish() would; on failure the record's final name is gone again and SpoolError is thrown (the
  // temporary is gone too: prepare anew). discard() removes it.
  PreparedRecord prepare(std::string_view record, const RecordRoute& route = {});
  SpoolFile commit(PreparedRecord&& prepared);
  void discard(PreparedRecord&& prepared);
  // Group commit, the steps a GroupCommitter runs. stage() writes a record under its temporary
  // name without syncing it (it only starts the write-back) and holds its size against the cap;
  // throws as publish() does. sync_staged() makes every staged record's data and temporary name
  // durable at once; throws SpoolError. commit_staged() renames each into place, syncs the
  // directory once and returns the published files. A record whose rename failed, or all of them
  // when the directory sync failed, comes back unpublished under its temporary name (its data is
  // durable: sync_staged() came first, and its owner may have noted that name), with a fresh
  // final name when its rename failed; commit it again. Only one the rename back could not undo
  // comes back without a file (restage it). restage() writes the bytes anew under a fresh
  // temporary name, keeping its place under the cap (after a failed write-back the page cache
  // cannot be trusted to hold them). discard(StagedRecord&&) removes it and gives its bytes back
  // to the cap; leave_for_recovery() gives the bytes back and leaves the file for the next start.
  StagedRecord stage(std::string_view record, const RecordRoute& route = {});
  void restage(StagedRecord& staged, std::string_view record);
  void sync_staged();
  struct CommitOutcome {
    std::vector<std::optional<SpoolFile>> files;  // one per record, in order; empty: not published
    std::string error;                            // the first failure, when any record failed
  };
  CommitOutcome commit_staged(std::span<StagedRecord> records);
  void discard(StagedRecord&& staged);
  void leave_for_recovery(StagedRecord&& staged);

  // Recovery, before scan(): renames a committed temporary record left by a crash into place.
  // False when there is no such file (renamed before the crash, or never written); throws
  // SpoolError when it exists but cannot be renamed, or `temporary_name` is not one of ours.
  bool roll_forward(std::string_view temporary_name);

  // The records present, oldest first. Removes temporary files left by a crashed process;
  // ignores every file that is not ours (the default spool is the shared temp directory).
  // Resets the totals to what it found: call it at start, before publishers run. Entries
  // that are not regular files or are over the record size go to quarantine at once.
  std::vector<SpoolFile> scan();

  // Appends the record's bytes to `contents` (so one reused buffer can hold a whole call).
  // Never blocks on a FIFO nor follows a symbolic link swapped in after the scan. A file that
  // is not a regular file, is over the record size, or — unless this process wrote it — is not
  // a complete sequence of gzip members is quarantined. Throws SpoolError on other failures.
  // kGone and kQuarantined take the record out of the totals: the caller forgets it.
  ReadResult read(const SpoolFile& file, std::string& contents);

  // Moves an indexed record to quarantine (the destination refused it as invalid); logs why.
  // Whatever the result, the record leaves the totals, as it leaves the caller's index: a file
  // left in place is not sent again by this process (the next start finds it again).
  QuarantineResult quarantine(const SpoolFile& file, std::string_view reason);

  // Deletes a delivered record, once (the caller's index forgets it); a file someone else
  // deleted is not an error. Either way it leaves the totals. Throws SpoolError otherwise.
  void remove(const SpoolFile& file);

  const std::filesystem::path& directory() const { return directory_; }
  uint64_t record_count() const { return record_count_.load(std::memory_order_relaxed); }
  uint64_t record_bytes() const { return record_bytes_.load(std::memory_order_relaxed); }
  // A publish was refused at the cap and no record has been delivered (removed) since.
  bool full() const { return refused_since_removal_.load(std::memory_order_relaxed); }
  // Files in `<spool>/quarantine/` (the kinesyslog_quarantined_records gauge).
  uint64_t quarantined_count() const { return quarantine_.count(); }

 private:
  struct UniqueName {
    std::string name;
    std::string temporary_name;
    WallTime created;
  };
  UniqueName next_name(const RecordRoute& route);
  void check_room(uint64_t record_size);                             // throws SpoolFullError past the cap
  void write_staged(StagedRecord& staged, std::string_view record);  // throws std::system_error
  void release_staged(uint64_t size);
  void count_published(uint64_t record_size);
  std::string describe(std::string_view name) const;
  void forget_record(uint64_t size);
  // read() found something that cannot be a record: quarantines it; kGone if it vanished meanwhile.
  ReadResult quarantined(const SpoolFile& file, std::string_view reason);

  std::filesystem::path directory_;
  const Clock& clock_;
  UniqueFd directory_fd_;
  AtomicFileWriter writer_;
  DirectorySync sync_directory_;  // the writer's, for roll_forward()
  FilesystemSync sync_filesystem_;
  SharedDirectorySync commit_sync_{sync_directory_};  // concurrent commit() calls share one fsync
  Quarantine quarantine_;
  uint64_t max_bytes_;
  uint64_t max_record_bytes_;
  int pid_;
  std::atomic<uint64_t> record_count_{0};
  std::atomic<uint64_t> record_bytes_{0};
  std::atomic<uint64_t> staged_bytes_{0};  // staged, not yet committed or discarded: counted against the cap
  std::atomic<bool> refused_since_removal_{false};
};

}  // namespace kinesyslog::spool
