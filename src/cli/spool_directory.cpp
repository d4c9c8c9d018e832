#include "cli/spool_directory.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kinesyslog::cli {
namespace {

constexpr const char* kSystemSpoolDir = "/var/lib/kinesyslog";
constexpr const char* kSpoolName = "kinesyslog";

std::optional<std::string> non_empty(const Environment& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string default_spool_dir(const Environment& env, bool as_root) {
  if (std::optional<std::string> state = non_empty(env, "STATE_DIRECTORY")) {
    // systemd.exec(5): one absolute path per StateDirectory= entry, separated by colons.
    return state->substr(0, state->find(':'));
  }
  if (as_root) return kSystemSpoolDir;
  if (std::optional<std::string> xdg = non_empty(env, "XDG_STATE_HOME"); xdg && xdg->front() == '/') {
    return (std::filesystem::path(*xdg) / kSpoolName).string();
  }
  if (std::optional<std::string> home = non_empty(env, "HOME")) {
    return (std::filesystem::path(*home) / ".local" / "state" / kSpoolName).string();
  }
  return kSystemSpoolDir;  // no home: validate_paths reports it if it cannot be created
}

std::optional<std::string> create_private_directory(const std::string& directory) {
  std::filesystem::path partial;
  for (const auto& part : std::filesystem::path(directory)) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return "cannot create " + partial.string() + ": " + std::strerror(errno);
    }
  }
  return std::nullopt;
}

std::optional<std::string> shared_spool_refusal(const std::string& directory) {
  struct stat status{};
  if (::stat(directory.c_str(), &status) != 0) return std::nullopt;  // the existence check reports it
  if ((status.st_mode & S_IWOTH) != 0 && (status.st_mode & S_ISVTX) == 0) {
    return directory + " is world-writable without the sticky bit, so any local user could change or remove "
                       "records; use a private directory (chmod 700)";
  }
  return std::nullopt;
}

std::vector<std::string> spool_warnings(const std::string& directory) {
  std::vector<std::string> warnings;
  struct statfs filesystem{};
  if (::statfs(directory.c_str(), &filesystem) == 0 && filesystem.f_type == TMPFS_MAGIC) {
    warnings.push_back("spool directory " + directory +
                       " is on tmpfs: records waiting there take memory and are lost at reboot; give a --spool-dir "
                       "on disk");
  }
  struct stat status{};
  if (::stat(directory.c_str(), &status) == 0 && (status.st_mode & S_IWOTH) != 0) {
    warnings.push_back("spool directory " + directory +
                       " is world-writable (sticky): other users can see records and take their names; give a "
                       "private --spool-dir");
  }
  return warnings;
}

}  // namespace kinesyslog::cli
