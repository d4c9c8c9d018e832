#pragma once
// `kinesyslog install [--user NAME] [--system-dir DIR]` (docs/behaviour.md §1.5): writes the systemd unit
// and, once, its override file listing every KINESYSLOG_* option with its default. The Debian
// package's unit and /etc/default file come from the same template and option table.
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "cli/listen_options.hpp"

namespace kinesyslog::cli {

// Where the unit keeps the spool: a StateDirectory, so records survive restarts.
inline constexpr std::string_view kUnitSpoolDir = "/var/lib/kinesyslog";

// Where the Debian package (debian/) puts the program and its settings, and whom it runs as.
inline constexpr std::string_view kPackageExecutable = "/usr/bin/kinesyslog";
inline constexpr std::string_view kPackageEnvironmentFile = "/etc/default/kinesyslog";
inline constexpr std::string_view kPackageUser = "kinesyslog";

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

// The Debian package's kinesyslog.service: the same unit for /usr/bin/kinesyslog, run as the
// package's system user, with its settings read from /etc/default/kinesyslog.
std::string render_package_unit();

// /etc/default/kinesyslog (an EnvironmentFile=): every option commented out with its meaning and
// default, as in the override file, the AWS variables, and no_proxy for the metadata service.
std::string render_environment_file();

// Writes the files, reports on `out`, errors on `err`; returns the exit code (78 for a
// missing user, 77 when the directory is not writable, 74 for other write failures). With
// options.package_files_dir, writes render_package_unit() and render_environment_file() there
// (kinesyslog.service, kinesyslog.default) for the package build instead.
int run_install(const InstallOptions& options, const InstallSystem& system, std::FILE* out, std::FILE* err);

}  // namespace kinesyslog::cli
