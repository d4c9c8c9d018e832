#pragma once
// The few system calls the journal's writers share, returning errno instead of throwing.
#include <cerrno>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace kinesyslog::journal {

// Writes all of `bytes` (retrying short writes and EINTR); 0 or the errno of the failure.
inline int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return 0;
}

// fdatasync, retried on EINTR; 0 or the errno.
inline int data_sync(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// fsync of a directory (a created, renamed or removed name survives a crash); 0 or the errno.
inline int sync_directory(int dir_fd) {
  while (::fsync(dir_fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

}  // namespace kinesyslog::journal
