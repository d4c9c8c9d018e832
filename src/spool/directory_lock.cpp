#include "spool/directory_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <string>

namespace kinesyslog::spool {
namespace {

// The pid the holder wrote into the lock file, or nothing when it has not written it yet.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t count = ::pread(fd, text, sizeof text - 1, 0);
  if (count <= 0) return "pid unknown";
  long pid = 0;
  const auto [end, error] = std::from_chars(text, text + count, pid);
  if (error != std::errc() || pid <= 0) return "pid unknown";
  return fmt::format("pid {}", pid);
}

}  // namespace

DirectoryLock::DirectoryLock(const std::filesystem::path& directory) {
  const std::filesystem::path path = directory / kFileName;
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd_) {
    throw DirectoryLockError(fmt::format("spool directory {}: cannot open its lock file {}: {}", directory.string(),
                                         path.string(), std::strerror(errno)));
  }
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      throw DirectoryLockError(fmt::format(
          "spool directory {} is in use by another kinesyslog ({}); give each relay its own --spool-dir",
          directory.string(), holder_of(fd_.get())));
    }
    throw DirectoryLockError(
        fmt::format("spool directory {}: cannot lock {}: {}", directory.string(), path.string(), std::strerror(error)));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  // Without the pid the lock still holds; only a refused relay's message loses that detail.
  if (::ftruncate(fd_.get(), 0) == 0) (void)!::pwrite(fd_.get(), pid.data(), pid.size(), 0);
}

}  // namespace kinesyslog::spool
