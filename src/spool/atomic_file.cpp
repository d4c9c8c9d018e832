#include "spool/atomic_file.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kinesyslog::spool {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

void write_parts(int fd, std::span<const std::string_view> parts, const std::string& what) {
  for (std::string_view part : parts) write_all(fd, part, what);
}

// Writes `temporary_name`, flushes it and renames it to `name` (replacing what was there);
// the temporary file is removed on failure. The directory is not synced yet. Returns the
// file, still open.
UniqueFd write_then_rename(int dir_fd, const std::string& name, const std::string& temporary_name,
                           std::span<const std::string_view> parts, mode_t mode) {
  UniqueFd file(::openat(dir_fd, temporary_name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode));
  if (!file.valid()) throw_errno(errno, "creating " + temporary_name);
  try {
    write_parts(file.get(), parts, temporary_name);
    if (::fdatasync(file.get()) != 0) throw_errno(errno, "flushing " + temporary_name);
    if (::renameat(dir_fd, temporary_name.c_str(), dir_fd, name.c_str()) != 0) {
      throw_errno(errno, "renaming " + temporary_name + " to " + name);
    }
    return file;
  } catch (...) {
    ::unlinkat(dir_fd, temporary_name.c_str(), 0);  // best effort: the error being thrown says what went wrong
    throw;
  }
}

}  // namespace

FileIdentity identity_of(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return FileIdentity{};
  return FileIdentity{status.st_dev, status.st_ino, status.st_size, status.st_ctim.tv_sec, status.st_ctim.tv_nsec};
}

void write_all(int fd, std::string_view bytes, const std::string& what) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "writing " + what);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void sync_directory(int dir_fd, const std::string& what) {
  if (::fsync(dir_fd) != 0) throw_errno(errno, "syncing the directory of " + what);
}

void sync_filesystem(int dir_fd, const std::string& what) {
  if (::syncfs(dir_fd) != 0) throw_errno(errno, "syncing the filesystem of " + what);
}

FileIdentity AtomicFileWriter::write(int dir_fd, const std::string& name, const std::string& temporary_name,
                                     std::span<const std::string_view> parts, mode_t mode) const {
  UniqueFd file;
  if (allow_tmpfile_ && tmpfile_supported_.load(std::memory_order_relaxed)) {
    file = write_via_tmpfile(dir_fd, name, parts, mode);
  }
  if (!file.valid()) file = write_then_rename(dir_fd, name, temporary_name, parts, mode);
  // After the link or rename, which set the change time that tells this inode from a reuse.
  const FileIdentity identity = identity_of(file.get());
  try {
    sync_(dir_fd, name);
  } catch (...) {
    // The name is linked but may not survive a crash; the caller will write the data again
    // under a new name, so this one must go (otherwise it would stay behind as an unindexed duplicate).
    ::unlinkat(dir_fd, name.c_str(), 0);
    throw;
  }
  return identity;
}

UniqueFd AtomicFileWriter::write_via_tmpfile(int dir_fd, const std::string& name,
                                             std::span<const std::string_view> parts, mode_t mode) const {
  // open(2): O_TMPFILE creates an unnamed inode; a crash before linkat leaves nothing behind.
  UniqueFd file(::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode));
  if (!file.valid()) {
    // EOPNOTSUPP: the filesystem lacks O_TMPFILE; EISDIR: the kernel predates it.
    if (errno == EOPNOTSUPP || errno == EISDIR) {
      tmpfile_supported_.store(false, std::memory_order_relaxed);
      return UniqueFd();
    }
    throw_errno(errno, "creating " + name);
  }
  write_parts(file.get(), parts, name);
  if (::fdatasync(file.get()) != 0) throw_errno(errno, "flushing " + name);
  // linkat(2): linking through /proc/self/fd needs no CAP_DAC_READ_SEARCH, unlike AT_EMPTY_PATH.
  const std::string proc_path = "/proc/self/fd/" + std::to_string(file.get());
  if (::linkat(AT_FDCWD, proc_path.c_str(), dir_fd, name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    if (errno == ENOENT && ::linkat(file.get(), "", dir_fd, name.c_str(), AT_EMPTY_PATH) == 0) return file;
    throw_errno(errno, "linking " + name + " into place");
  }
  return file;
}

void replace_file(const std::filesystem::path& path, std::string_view contents, mode_t mode) {
  const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
  UniqueFd dir_fd(::open(directory.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!dir_fd.valid()) throw_errno(errno, "opening the directory of " + path.string());
  const std::string name = path.filename().string();
  const std::string temporary_name = name + ".tmp";
  ::unlinkat(dir_fd.get(), temporary_name.c_str(), 0);  // left by an interrupted earlier run, if any
  const std::string_view parts[] = {contents};
  write_then_rename(dir_fd.get(), name, temporary_name, parts, mode);
  // The new contents are in place either way; a failed sync only leaves them less durable.
  sync_directory(dir_fd.get(), name);
}

}  // namespace kinesyslog::spool
