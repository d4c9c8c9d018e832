#include "spool/spool.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gzip_member_reader.hpp"

namespace kinesyslog::spool {
namespace {

constexpr mode_t kRecordMode = 0600;  // records hold other hosts' logs
constexpr size_t kNanosDigits = 19;   // nanoseconds since 1970 fit in 19 digits until 2286

// Shared by every Spool in the process: with the pid it makes names unique even when
// several threads read the same clock value.
std::atomic<uint64_t> publish_counter{0};

// Temporary names of publishes running right now in this process; scan() removes every
// other temporary file (a crash leftover — even one from an earlier process with our pid).
class TemporaryNamesInUse {
 public:
  void add(const std::string& name) {
    std::lock_guard lock(mutex_);
    names_.insert(name);
  }
  void erase(const std::string& name) {
    std::lock_guard lock(mutex_);
    names_.erase(name);
  }
  bool contains(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return names_.count(name) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> names_;
};

TemporaryNamesInUse& temporary_names_in_use() {
  static TemporaryNamesInUse names;
  return names;
}

// Records this process published and has not removed, by inode: they need no gzip check,
// unlike leftovers of earlier runs and anything put under a record's name by someone else.
class PublishedHere {
 public:
  void add(FileIdentity identity) {
    std::lock_guard lock(mutex_);
    identities_.insert(identity);
  }
  void erase(FileIdentity identity) {
    std::lock_guard lock(mutex_);
    identities_.erase(identity);
  }
  bool contains(FileIdentity identity) const {
    std::lock_guard lock(mutex_);
    return identities_.count(identity) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::set<FileIdentity> identities_;
};

PublishedHere& published_here() {
  static PublishedHere identities;
  return identities;
}

// Why `bytes` cannot be a record; empty when it is a complete sequence of gzip members
// (RFC 1952: each header, deflate stream and CRC32/ISIZE trailer checked).
std::string why_not_gzip_members(std::string_view bytes) {
  if (bytes.empty()) return "empty, not a gzip record";
  GzipMemberReader reader(bytes);
  while (true) {
    switch (reader.skip()) {
      case GzipMemberReader::Status::kMember:
        continue;
      case GzipMemberReader::Status::kEnd:
        return {};
      case GzipMemberReader::Status::kError:
        return "not a complete gzip record: " + reader.error();
    }
  }
}

std::string_view file_type(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

std::string oversize_reason(uint64_t size, uint64_t limit) {
  return fmt::format("{} bytes, over the {}-byte limit of one Firehose record", size, limit);
}

// Our names carry their creation time: `firehose_event-<19 digits>-…`.
bool parse_created(std::string_view name, WallTime& created) {
  std::string_view rest = name.substr(Spool::kRecordPrefix.size());
  if (rest.size() <= kNanosDigits || rest[kNanosDigits] != '-') return false;
  int64_t nanos = 0;
  for (char digit : rest.substr(0, kNanosDigits)) {
    if (digit < '0' || digit > '9') return false;
    nanos = nanos * 10 + (digit - '0');
  }
  created = WallTime{std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds{nanos})};
  return true;
}

WallTime modification_time(const struct stat& status) {
  const auto since_epoch =
      std::chrono::seconds{status.st_mtim.tv_sec} + std::chrono::nanoseconds{status.st_mtim.tv_nsec};
  return WallTime{std::chrono::duration_cast<WallTime::duration>(since_epoch)};
}

}  // namespace

namespace {

UniqueFd open_spool_directory(const std::filesystem::path& directory) {
  const std::string path = directory.string();
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    throw SpoolError(fmt::format("spool directory {} cannot be used: {}", path, std::strerror(errno)));
  }
  if (!S_ISDIR(status.st_mode)) throw SpoolError(fmt::format("spool directory {} is not a directory", path));
  if (::access(path.c_str(), W_OK | X_OK) != 0) {
    throw SpoolError(fmt::format("spool directory {} is not writable: {}", path, std::strerror(errno)));
  }
  UniqueFd fd(::open(path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SpoolError(fmt::format("spool directory {} cannot be opened: {}", path, std::strerror(errno)));
  return fd;
}

}  // namespace

Spool::Spool(std::filesystem::path directory, const Clock& clock, SpoolOptions options)
    : directory_(std::move(directory)),
      clock_(clock),
      directory_fd_(open_spool_directory(directory_)),
      writer_(options.allow_tmpfile, options.sync_directory),
      sync_directory_(options.sync_directory),
      sync_filesystem_(options.sync_filesystem),
      quarantine_(directory_fd_.get(), directory_.string()),
      max_bytes_(options.max_bytes),
      max_record_bytes_(options.max_record_bytes),
      pid_(::getpid()) {}

Spool::UniqueName Spool::next_name(const RecordRoute& route) {
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  const uint64_t count = publish_counter.fetch_add(1, std::memory_order_relaxed);
  // Fixed-width fields: names sort by creation time, then process, then order within it.
  // The route goes last: it never changes how names sort, and the temporary name carries it too
  // (roll_forward() derives the final name from the temporary one).
  std::string unique = fmt::format("{:0{}}-{:07}-{:012}{}", nanos, kNanosDigits, pid_, count, route_suffix(route));
  UniqueName result;
  result.name = fmt::format("{}{}", kRecordPrefix, unique);
  result.temporary_name = fmt::format("{}{}.tmp", kTemporaryPrefix, unique);
  result.created = WallTime{std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds{nanos})};
  return result;
}

std::string Spool::describe(std::string_view name) const { return (directory_ / name).string(); }

void Spool::check_room(uint64_t record_size) {
  const uint64_t held = record_bytes_.load(std::memory_order_relaxed) + staged_bytes_.load(std::memory_order_relaxed);
  if (max_bytes_ != 0 && held + record_size > max_bytes_) {
    refused_since_removal_.store(true, std::memory_order_relaxed);
    throw SpoolFullError(
        fmt::format("spool directory {} is full: {} bytes wait for delivery, the cap is {}; "
                    "refusing a record of {} bytes",
                    directory_.string(), held, max_bytes_, record_size));
  }
}

void Spool::count_published(uint64_t record_size) {
  record_count_.fetch_add(1, std::memory_order_relaxed);
  record_bytes_.fetch_add(record_size, std::memory_order_relaxed);
}

SpoolFile Spool::publish(std::string_view record, const RecordRoute& route) {
  check_room(record.size());
  UniqueName unique = next_name(route);
  TemporaryNamesInUse& in_use = temporary_names_in_use();
  in_use.add(unique.temporary_name);
  try {
    const std::string_view parts[] = {record};
    published_here().add(writer_.write(directory_fd_.get(), unique.name, unique.temporary_name, parts, kRecordMode));
  } catch (const std::system_error& error) {
    in_use.erase(unique.temporary_name);
    throw SpoolError(
        fmt::format("cannot publish a record into spool directory {}: {}", directory_.string(), error.what()));
  }
  in_use.erase(unique.temporary_name);
  count_published(record.size());
  return SpoolFile{std::move(unique.name), record.size(), unique.created, route.source, route.port};
}

PreparedRecord Spool::prepare(std::string_view record, const RecordRoute& route) {
  check_room(record.size());
  UniqueName unique = next_name(route);
  temporary_names_in_use().add(unique.temporary_name);  // scan() must not take it for a crash leftover
  UniqueFd fd(::openat(directory_fd_.get(), unique.temporary_name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
                       kRecordMode));
  const int open_error = errno;
  try {
    if (!fd.valid()) throw std::system_error(open_error, std::generic_category(), "creating " + unique.temporary_name);
    write_all(fd.get(), record, unique.temporary_name);
    if (::fdatasync(fd.get()) != 0) {
      throw std::system_error(errno, std::generic_category(), "flushing " + unique.temporary_name);
    }
    // The name too: the commit log will say this name holds the events, and recovery must find
    // it after a power loss (fdatasync persists the data, not the directory entry).
    commit_sync_.sync(directory_fd_.get(), unique.temporary_name);
  } catch (const std::system_error& error) {
    if (fd.valid()) ::unlinkat(directory_fd_.get(), unique.temporary_name.c_str(), 0);
    temporary_names_in_use().erase(unique.temporary_name);
    throw SpoolError(
        fmt::format("cannot prepare a record in spool directory {}: {}", directory_.string(), error.what()));
  }
  PreparedRecord prepared;
  prepared.name_ = std::move(unique.name);
  prepared.temporary_name_ = std::move(unique.temporary_name);
  prepared.size_ = record.size();
  prepared.created_ = unique.created;
  prepared.route_ = route;
  prepared.fd_ = std::move(fd);
  return prepared;
}

SpoolFile Spool::commit(PreparedRecord&& prepared) {
  PreparedRecord record = std::move(prepared);
  const int dir = directory_fd_.get();
  if (::renameat(dir, record.temporary_name_.c_str(), dir, record.name_.c_str()) != 0) {
    const int error = errno;
    ::unlinkat(dir, record.temporary_name_.c_str(), 0);
    temporary_names_in_use().erase(record.temporary_name_);
    throw SpoolError(
        fmt::format("cannot rename {} into place: {}", describe(record.temporary_name_), std::strerror(error)));
  }
  temporary_names_in_use().erase(record.temporary_name_);
  const FileIdentity identity = identity_of(record.fd_.get());  // after the rename, which set its change time
  try {
    commit_sync_.sync(dir, record.name_);
  } catch (const std::system_error& error) {
    // As publish(): a name that may not survive a crash goes, and the caller writes the data anew.
    ::unlinkat(dir, record.name_.c_str(), 0);
    throw SpoolError(
        fmt::format("cannot publish a record into spool directory {}: {}", directory_.string(), error.what()));
  }
  published_here().add(identity);
  count_published(record.size_);
  return SpoolFile{std::move(record.name_), record.size_, record.created_, std::move(record.route_.source),
                   record.route_.port};
}

void Spool::discard(PreparedRecord&& prepared) {
  PreparedRecord record = std::move(prepared);
  if (!record.valid()) return;
  ::unlinkat(directory_fd_.get(), record.temporary_name_.c_str(), 0);  // best effort: scan() removes leftovers
  temporary_names_in_use().erase(record.temporary_name_);
}

StagedRecord Spool::stage(std::string_view record, const RecordRoute& route) {
  check_room(record.size());
  StagedRecord staged;
  staged.size_ = record.size();
  staged.route_ = route;
  staged.reserved_ = true;
  staged_bytes_.fetch_add(record.size(), std::memory_order_relaxed);
  try {
    write_staged(staged, record);
  } catch (const std::system_error& error) {
    release_staged(record.size());
    throw SpoolError(fmt::format("cannot stage a record in spool directory {}: {}", directory_.string(), error.what()));
  }
  return staged;
}

void Spool::restage(StagedRecord& staged, std::string_view record) {
  if (staged.written()) {
    ::unlinkat(directory_fd_.get(), staged.temporary_name_.c_str(), 0);
    temporary_names_in_use().erase(staged.temporary_name_);
    staged.temporary_name_.clear();
  }
  try {
    write_staged(staged, record);
  } catch (const std::system_error& error) {
    throw SpoolError(fmt::format("cannot stage a record in spool directory {}: {}", directory_.string(), error.what()));
  }
}

void Spool::write_staged(StagedRecord& staged, std::string_view record) {
  UniqueName unique = next_name(staged.route_);
  temporary_names_in_use().add(unique.temporary_name);  // scan() must not take it for a crash leftover
  const UniqueFd fd(::openat(directory_fd_.get(), unique.temporary_name.c_str(),
                             O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, kRecordMode));
  try {
    if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "creating " + unique.temporary_name);
    write_all(fd.get(), record, unique.temporary_name);
  } catch (...) {
    if (fd.valid()) ::unlinkat(directory_fd_.get(), unique.temporary_name.c_str(), 0);
    temporary_names_in_use().erase(unique.temporary_name);
    throw;
  }
  // No sync_file_range(2) kick-off here: measured on ext4 it doubled the cost of staging (it
  // waits for the device queue and the journal), and the round's syncfs writes the data anyway.
  // The descriptor is closed: thousands of records may wait for one round (open-files limit).
  staged.name_ = std::move(unique.name);
  staged.temporary_name_ = std::move(unique.temporary_name);
  staged.created_ = unique.created;
}

void Spool::sync_staged() {
  try {
    sync_filesystem_(directory_fd_.get(), directory_.string());
  } catch (const std::system_error& error) {
    throw SpoolError(fmt::format("cannot sync records in spool directory {}: {}", directory_.string(), error.what()));
  }
}

Spool::CommitOutcome Spool::commit_staged(std::span<StagedRecord> records) {
  CommitOutcome outcome;
  outcome.files.resize(records.size());
  const int dir = directory_fd_.get();
  std::vector<FileIdentity> identities(records.size());
  std::vector<bool> renamed(records.size(), false);
  bool any_renamed = false;
  for (size_t i = 0; i < records.size(); ++i) {
    StagedRecord& record = records[i];
    if (!record.written()) continue;
    if (::renameat(dir, record.temporary_name_.c_str(), dir, record.name_.c_str()) != 0) {
      if (outcome.error.empty()) {
        outcome.error =
            fmt::format("cannot rename {} into place: {}", describe(record.temporary_name_), std::strerror(errno));
      }
      // The temporary file stays (see commit_staged); the next attempt takes another final name
      // in case this one is what failed.
      UniqueName fresh = next_name(record.route_);
      record.name_ = std::move(fresh.name);
      record.created_ = fresh.created;
      continue;
    }
    temporary_names_in_use().erase(record.temporary_name_);
    // After the rename, which set the change time that tells this inode from a reuse. By name:
    // the descriptor is closed, and nobody else writes in the spool directory meanwhile.
    struct stat status {};
    if (::fstatat(dir, record.name_.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0) {
      identities[i] =
          FileIdentity{status.st_dev, status.st_ino, status.st_size, status.st_ctim.tv_sec, status.st_ctim.tv_nsec};
    }
    renamed[i] = true;
    any_renamed = true;
  }
  if (!any_renamed) return outcome;
  try {
    commit_sync_.sync(dir, directory_.string());
  } catch (const std::system_error& error) {
    // Nobody may hear of names that may not survive a crash: each goes back to its temporary
    // name (see commit_staged), or, when even that fails, goes and the record is written anew.
    outcome.error =
        fmt::format("cannot publish records into spool directory {}: {}", directory_.string(), error.what());
    for (size_t i = 0; i < records.size(); ++i) {
      StagedRecord& record = records[i];
      if (!renamed[i]) continue;
      if (::renameat(dir, record.name_.c_str(), dir, record.temporary_name_.c_str()) == 0) {
        temporary_names_in_use().add(record.temporary_name_);
        continue;
      }
      spdlog::error("spool: cannot move {} back to its temporary name ({}); it is written anew", describe(record.name_),
                    std::strerror(errno));
      ::unlinkat(dir, record.name_.c_str(), 0);
      record.temporary_name_.clear();
    }
    return outcome;
  }
  for (size_t i = 0; i < records.size(); ++i) {
    StagedRecord& record = records[i];
    if (!renamed[i]) continue;
    published_here().add(identities[i]);
    release_staged(record.size_);
    count_published(record.size_);
    outcome.files[i] =
        SpoolFile{std::move(record.name_), record.size_, record.created_, record.route_.source, record.route_.port};
    record.temporary_name_.clear();
    record.reserved_ = false;
  }
  return outcome;
}

void Spool::discard(StagedRecord&& staged) {
  StagedRecord record = std::move(staged);
  if (record.written()) {
    ::unlinkat(directory_fd_.get(), record.temporary_name_.c_str(), 0);  // best effort: scan() removes leftovers
    temporary_names_in_use().erase(record.temporary_name_);
  }
  if (record.reserved_) release_staged(record.size_);
}

void Spool::leave_for_recovery(StagedRecord&& staged) {
  StagedRecord record = std::move(staged);
  if (record.written()) temporary_names_in_use().erase(record.temporary_name_);
  if (record.reserved_) release_staged(record.size_);
}

void Spool::release_staged(uint64_t size) { staged_bytes_.fetch_sub(size, std::memory_order_relaxed); }

bool Spool::roll_forward(std::string_view temporary_name) {
  constexpr std::string_view kTemporarySuffix = ".tmp";
  if (!temporary_name.starts_with(kTemporaryPrefix) || !temporary_name.ends_with(kTemporarySuffix) ||
      temporary_name.find('/') != std::string_view::npos) {
    throw SpoolError(fmt::format("{} is not the name of a temporary spool record", temporary_name));
  }
  const std::string from(temporary_name);
  const std::string to = std::string(temporary_name.substr(1, temporary_name.size() - 1 - kTemporarySuffix.size()));
  struct stat status {};
  if (::fstatat(directory_fd_.get(), from.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    throw SpoolError(fmt::format("cannot look at {}: {}", describe(from), std::strerror(errno)));
  }
  if (!S_ISREG(status.st_mode)) {
    throw SpoolError(fmt::format("{} is {}, not a record to roll forward", describe(from), file_type(status.st_mode)));
  }
  if (::renameat(directory_fd_.get(), from.c_str(), directory_fd_.get(), to.c_str()) != 0) {
    throw SpoolError(fmt::format("cannot rename {} into place: {}", describe(from), std::strerror(errno)));
  }
  try {
    sync_directory_(directory_fd_.get(), to);
  } catch (const std::system_error& error) {
    // The rename stands: a crash may undo it, and the next start rolls it forward again.
    spdlog::warn("spool: {} is in place, but syncing its directory failed: {}", describe(to), error.what());
  }
  return true;
}

std::vector<SpoolFile> Spool::scan() {
  UniqueFd listing_fd(::openat(directory_fd_.get(), ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  DIR* listing = listing_fd.valid() ? ::fdopendir(listing_fd.get()) : nullptr;
  if (listing == nullptr) {
    throw SpoolError(fmt::format("cannot list spool directory {}: {}", directory_.string(), std::strerror(errno)));
  }
  listing_fd.release();  // now owned by `listing`
  std::vector<SpoolFile> found;
  uint64_t bytes = 0;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name.starts_with(kTemporaryPrefix)) {
      if (temporary_names_in_use().contains(name)) continue;
      if (::unlinkat(directory_fd_.get(), name.c_str(), 0) == 0) {
        spdlog::warn("spool: removed {}, a record a crashed process never finished writing", describe(name));
      }
      continue;
    }
    if (!name.starts_with(kRecordPrefix)) continue;
    struct stat status {};
    if (::fstatat(directory_fd_.get(), name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(status.st_mode)) {
      quarantine_.move_in(name, file_type(status.st_mode));
      continue;
    }
    if (static_cast<uint64_t>(status.st_size) > max_record_bytes_) {
      quarantine_.move_in(name, oversize_reason(static_cast<uint64_t>(status.st_size), max_record_bytes_));
      continue;
    }
    RecordRoute route = route_from_name(name);
    SpoolFile file{name, static_cast<uint64_t>(status.st_size), {}, std::move(route.source), route.port};
    if (!parse_created(name, file.created)) file.created = modification_time(status);
    bytes += file.size;
    found.push_back(std::move(file));
  }
  ::closedir(listing);
  quarantine_.recount();
  std::sort(found.begin(), found.end(), OldestFirst{});
  record_count_.store(found.size(), std::memory_order_relaxed);
  record_bytes_.store(bytes, std::memory_order_relaxed);
  return found;
}

ReadResult Spool::read(const SpoolFile& file, std::string& contents) {
  // O_NONBLOCK: a FIFO swapped in after the scan opens at once instead of waiting for a writer.
  UniqueFd fd(
      ::openat(directory_fd_.get(), file.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      forget_record(file.size);
      return ReadResult::kGone;
    }
    if (errno == ELOOP) return quarantined(file, "a symbolic link");  // O_NOFOLLOW met a symbolic link
    throw SpoolError(fmt::format("cannot open spool file {}: {}", describe(file.name), std::strerror(errno)));
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) {
    throw SpoolError(fmt::format("cannot stat spool file {}: {}", describe(file.name), std::strerror(errno)));
  }
  if (!S_ISREG(status.st_mode)) return quarantined(file, file_type(status.st_mode));
  const uint64_t size = static_cast<uint64_t>(status.st_size);
  if (size > max_record_bytes_) return quarantined(file, oversize_reason(size, max_record_bytes_));
  const size_t start = contents.size();
  contents.resize(start + static_cast<size_t>(size));
  size_t filled = start;
  while (filled < contents.size()) {
    const ssize_t got = ::read(fd.get(), contents.data() + filled, contents.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      contents.resize(start);
      throw SpoolError(fmt::format("cannot read spool file {}: {}", describe(file.name), std::strerror(errno)));
    }
    if (got == 0) break;  // shorter than fstat said: never happens to a published record
    filled += static_cast<size_t>(got);
  }
  contents.resize(filled);
  if (!published_here().contains(identity_of(fd.get()))) {
    const std::string problem = why_not_gzip_members(std::string_view(contents).substr(start));
    if (!problem.empty()) {
      contents.resize(start);
      return quarantined(file, problem);
    }
  }
  return ReadResult::kRead;
}

QuarantineResult Spool::quarantine(const SpoolFile& file, std::string_view reason) {
  const QuarantineResult result = quarantine_.move_in(file.name, reason);
  forget_record(file.size);  // moved, gone or left in place: never sent again by this process
  return result;
}

ReadResult Spool::quarantined(const SpoolFile& file, std::string_view reason) {
  return quarantine(file, reason) == QuarantineResult::kGone ? ReadResult::kGone : ReadResult::kQuarantined;
}

void Spool::remove(const SpoolFile& file) {
  const UniqueFd fd(::openat(directory_fd_.get(), file.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  const FileIdentity identity = fd.valid() ? identity_of(fd.get()) : FileIdentity{};
  if (::unlinkat(directory_fd_.get(), file.name.c_str(), 0) != 0) {
    if (errno == ENOENT) {  // deleted meanwhile: it leaves the totals all the same
      forget_record(file.size);
      return;
    }
    throw SpoolError(
        fmt::format("cannot remove delivered spool file {}: {}", describe(file.name), std::strerror(errno)));
  }
  published_here().erase(identity);
  refused_since_removal_.store(false, std::memory_order_relaxed);
  forget_record(file.size);
}

void Spool::forget_record(uint64_t size) {
  // Decrement without wrapping below zero if scan() reset the totals meanwhile.
  uint64_t count = record_count_.load(std::memory_order_relaxed);
  while (count > 0 && !record_count_.compare_exchange_weak(count, count - 1, std::memory_order_relaxed)) {
  }
  uint64_t bytes = record_bytes_.load(std::memory_order_relaxed);
  while (!record_bytes_.compare_exchange_weak(bytes, bytes - std::min(bytes, size), std::memory_order_relaxed)) {
  }
}

}  // namespace kinesyslog::spool
