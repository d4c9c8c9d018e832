#pragma once
// Publishing a file so that its final name never shows partial contents (docs/behaviour.md
// §7.2): write, fdatasync, make the name appear in one step, fsync the directory.
#include <atomic>
#include <compare>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "core/unique_fd.hpp"

namespace kinesyslog::spool {

// fsync of a directory, so a newly linked or renamed entry survives a crash; throws
// std::system_error naming `what`.
void sync_directory(int dir_fd, const std::string& what);
// The seam through which AtomicFileWriter syncs directories (tests make it fail).
using DirectorySync = void (*)(int dir_fd, const std::string& what);
// syncfs(2) of the filesystem holding `dir_fd`: every dirty page and metadata block of it, with
// one cache flush, where an fdatasync per file costs a flush each. Since Linux 5.8 it reports
// write-back errors met since `dir_fd` was opened (earlier kernels always return 0). Throws
// std::system_error naming `what`.
void sync_filesystem(int dir_fd, const std::string& what);
using FilesystemSync = void (*)(int dir_fd, const std::string& what);

// Which file a name led to: tells a file this process wrote from one put in its place. Inode
// numbers are reused at once, so the size and change time (set by the final link) count too.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  time_t change_seconds = 0;
  long change_nanoseconds = 0;
  auto operator<=>(const FileIdentity&) const = default;
};
// The identity of an open file; all zero when fstat fails (then it matches nothing we wrote).
FileIdentity identity_of(int fd);

// Creates `name` in the directory `dir_fd` holding `parts` concatenated. Failures throw
// std::system_error whose text names `name`; nothing is left under `name` on failure.
class AtomicFileWriter {
 public:
  // `allow_tmpfile`: try an unnamed O_TMPFILE first (nothing to clean up after a crash).
  explicit AtomicFileWriter(bool allow_tmpfile = true, DirectorySync sync = sync_directory)
      : allow_tmpfile_(allow_tmpfile), sync_(sync) {}

  // `temporary_name` is used only when O_TMPFILE is unavailable; it must be a name that
  // readers never take for a finished file (e.g. it starts with '.'). A failed directory
  // sync after the name appeared removes the name again: the caller writes the data anew
  // under another name, and a name nobody indexed would be delivered twice after a restart.
  FileIdentity write(int dir_fd, const std::string& name, const std::string& temporary_name,
                     std::span<const std::string_view> parts, mode_t mode) const;

 private:
  // The file, linked under `name`; not valid (nothing written) when the filesystem lacks O_TMPFILE.
  UniqueFd write_via_tmpfile(int dir_fd, const std::string& name, std::span<const std::string_view> parts,
                             mode_t mode) const;

  bool allow_tmpfile_;
  DirectorySync sync_;
  mutable std::atomic<bool> tmpfile_supported_{true};  // learnt on first use, shared by all threads
};

// Replaces `path` (or creates it) the same way, through `<name>.tmp` beside it and a rename:
// for small files rewritten in place (the systemd unit, the remembered account id).
void replace_file(const std::filesystem::path& path, std::string_view contents, mode_t mode);

// Writes all of `bytes` (retrying short writes and EINTR); throws std::system_error naming `what`.
void write_all(int fd, std::string_view bytes, const std::string& what);

}  // namespace kinesyslog::spool
