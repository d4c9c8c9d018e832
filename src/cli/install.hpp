#pragma once
// `kinesyslog install [--user NAME] [--system-dir DIR]` (docs/behaviour.md §1.5): writes the systemd unit
// and, once, its override file listing every KINESYSLOG_* option with its default.
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "cli/listen_options.hpp"

namespace kinesyslog::cli {

// Where the unit keeps the spool: a StateDirectory, so records survive restarts.
inline constexpr std::string_view kUnitSpoolDir = "/var/lib/kinesyslog";

// What install needs from the system, passed in so tests choose it.
struct InstallSystem {
  std::string executable;                               // absolute path of this program
  std::function<bool(const std::string&)> user_exists;  // the passwd database
};

// The real system: /proc/self/exe and getpwnam.
InstallSystem this_system();

// kinesyslog.service for `executable`.
std::string render_unit(std::string_view executable);

// kinesyslog.service.d/override.conf: every option commented out with its default, the AWS
// variables, User= (set when `user` is not empty), no_proxy for the instance metadata service.
std::string render_override(const std::string& user);

// Writes the files, reports on `out`, errors on `err`; returns the exit code (78 for a
// missing user, 77 when the directory is not writable, 74 for other write failures).
int run_install(const InstallOptions& options, const InstallSystem& system, std::FILE* out, std::FILE* err);

}  // namespace kinesyslog::cli
