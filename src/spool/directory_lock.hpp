#pragma once
// One relay per spool directory: two relays sharing one would each deliver the other's
// records to its own destination and delete each other's temporary files at start.
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "core/unique_fd.hpp"

namespace kinesyslog::spool {

// Another process holds the directory, or its lock file cannot be opened.
class DirectoryLockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An exclusive flock on `<directory>/.lock`, held for the object's lifetime; the file holds
// the holder's pid so a refused relay can name it. flock (not fcntl) because its lock belongs
// to this open file, so closing some other descriptor of the same file cannot drop it; the
// kernel releases it when the process dies, even by SIGKILL, so a stale file is harmless.
class DirectoryLock {
 public:
  static constexpr std::string_view kFileName = ".lock";

  // Throws DirectoryLockError naming the directory (and the holder's pid when it is known).
  explicit DirectoryLock(const std::filesystem::path& directory);

 private:
  UniqueFd fd_;
};

}  // namespace kinesyslog::spool
