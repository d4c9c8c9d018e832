#include "spool/quarantine.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kinesyslog::spool {
namespace {

constexpr mode_t kQuarantineMode = 0700;  // what lands here came from other hosts' logs or strangers
constexpr int kMaxNameSuffix = 1000;      // "<name>.1" … when the same name was quarantined before

// rename(2) without replacing an entry already in quarantine; EEXIST when there is one.
int rename_no_replace(int from_fd, const char* from, int to_fd, const char* to) {
  if (::renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The filesystem lacks RENAME_NOREPLACE: only this process writes here, so check first.
  struct stat existing {};
  if (::fstatat(to_fd, to, &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::renameat(from_fd, from, to_fd, to);
}

}  // namespace

Quarantine::Quarantine(int spool_fd, std::string spool_path)
    : spool_fd_(spool_fd), spool_path_(std::move(spool_path)), path_(spool_path_ + "/" + std::string(kDirectoryName)) {
  recount();
}

int Quarantine::open_directory_locked(bool create) {
  if (directory_fd_.valid()) return directory_fd_.get();
  if (create && ::mkdirat(spool_fd_, std::string(kDirectoryName).c_str(), kQuarantineMode) != 0 && errno != EEXIST) {
    return -1;
  }
  // O_NOFOLLOW: a symbolic link named quarantine must not send files elsewhere.
  directory_fd_ = UniqueFd(::openat(spool_fd_, std::string(kDirectoryName).c_str(),
                                    O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC));
  return directory_fd_.get();
}

void Quarantine::recount() {
  std::lock_guard lock(mutex_);
  if (open_directory_locked(false) < 0) {
    count_.store(0, std::memory_order_relaxed);
    return;
  }
  UniqueFd listing_fd(::openat(directory_fd_.get(), ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  DIR* listing = listing_fd.valid() ? ::fdopendir(listing_fd.get()) : nullptr;
  if (listing == nullptr) return;
  listing_fd.release();  // now owned by `listing`
  uint64_t entries = 0;
  while (const dirent* entry = ::readdir(listing)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++entries;
  }
  ::closedir(listing);
  count_.store(entries, std::memory_order_relaxed);
}

QuarantineResult Quarantine::move_in(const std::string& name, std::string_view reason) {
  std::lock_guard lock(mutex_);
  const int quarantine_fd = open_directory_locked(true);
  if (quarantine_fd < 0) {
    spdlog::error("spool: {}/{} is not a record ({}) but cannot be quarantined: {} cannot be used: {}; "
                  "it stays in place and will not be sent",
                  spool_path_, name, reason, path_, std::strerror(errno));
    return QuarantineResult::kLeftInPlace;
  }
  std::string target = name;
  int moved = rename_no_replace(spool_fd_, name.c_str(), quarantine_fd, target.c_str());
  for (int suffix = 1; moved != 0 && errno == EEXIST && suffix <= kMaxNameSuffix; ++suffix) {
    target = fmt::format("{}.{}", name, suffix);
    moved = rename_no_replace(spool_fd_, name.c_str(), quarantine_fd, target.c_str());
  }
  if (moved != 0) {
    if (errno == ENOENT) return QuarantineResult::kGone;  // deleted meanwhile: nothing left to send or keep
    spdlog::error("spool: {}/{} is not a record ({}) but cannot be moved to {}: {}; it stays in place and will not be sent",
                  spool_path_, name, reason, path_, std::strerror(errno));
    return QuarantineResult::kLeftInPlace;
  }
  // No directory fsync: after a crash the file may come back to the spool and is quarantined again.
  count_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("spool: quarantined {}/{} as {}/{}: {}; it will not be sent", spool_path_, name, path_, target, reason);
  return QuarantineResult::kMoved;
}

}  // namespace kinesyslog::spool
