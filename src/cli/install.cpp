#include "cli/install.hpp"

#include <filesystem>
#include <functional>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include "cli/command_line.hpp"
#include "cli/environment.hpp"
#include "cli/exit_codes.hpp"
#include "packaging/unit_template.hpp"
#include "spool/atomic_file.hpp"

namespace kinesyslog::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAwsVariables[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SHARED_CREDENTIALS_FILE",
                                         "AWS_CONFIG_FILE", "AWS_PROFILE"};

constexpr std::string_view kNoProxyComment =
    "# The instance metadata service (credentials, region) is never reached through a proxy.";
constexpr std::string_view kNoProxy = "no_proxy=169.254.169.254";

void replace_all(std::string& text, std::string_view placeholder, std::string_view value) {
  for (size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

// systemd.unit(5): '%' starts a specifier; a path with spaces must be quoted in ExecStart.
std::string unit_quoted(std::string_view path) {
  std::string text;
  for (char c : path) text += c == '%' ? std::string("%%") : std::string(1, c);
  if (text.find_first_of(" \t\"\\") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return quoted + "\"";
}

// Replaces the line that holds only `placeholder` with `lines` (each ending in a newline); an
// empty `lines` removes it.
void replace_line(std::string& text, std::string_view placeholder, std::string_view lines) {
  const std::string line = std::string(placeholder) + "\n";
  if (const size_t at = text.find(line); at != std::string::npos) text.replace(at, line.size(), lines);
}

std::string fill_unit(std::string_view origin, std::string_view documentation, std::string_view executable,
                      std::string_view settings) {
  std::string unit(packaging::kUnitTemplate);
  replace_all(unit, "{origin}", origin);
  replace_line(unit, "{documentation}", documentation);
  replace_line(unit, "{settings}", settings);
  replace_all(unit, "{exec_start}", unit_quoted(executable));
  replace_all(unit, "{spool_dir}", kUnitSpoolDir);
  return unit;
}

// Every listen option: a comment with its meaning and default, then `line(variable, default value)`,
// commented out. The spool directory is the unit's, whatever the option's own default says.
std::string option_lines(const std::function<std::string(const std::string&, const std::string&)>& line) {
  std::string text;
  for (const ListenOptionDescription& option : listen_option_table()) {
    const bool spool = option.long_name == "spool-dir";
    const std::string default_text = spool ? std::string(kUnitSpoolDir) + " (set by the unit)" : option.default_text;
    const std::string value = spool ? std::string(kUnitSpoolDir) : option.default_value;
    text += fmt::format("# --{}: {}{} [default: {}]\n", option.long_name, option.meaning,
                        option.repeatable ? " (repeatable)" : "", default_text);
    text += line(environment_variable_for(option.long_name), value);
  }
  return text;
}

// Writes `contents` to `path` atomically, so a failure never leaves half a unit.
std::error_code write_file(const fs::path& path, const std::string& contents) {
  try {
    spool::replace_file(path, contents, 0644);
    return {};
  } catch (const std::system_error& error) {
    return error.code();
  }
}

int write_failure(std::FILE* err, const fs::path& path, const std::error_code& error) {
  const bool denied = error == std::errc::permission_denied || error == std::errc::operation_not_permitted ||
                      error == std::errc::read_only_file_system;
  fmt::print(err, "kinesyslog install: cannot write {}: {}{}\n", path.string(), error.message(),
             denied ? " (run as root, or choose another --system-dir)" : "");
  return denied ? kExitNoPermission : kExitIoError;
}

}  // namespace

InstallSystem this_system() {
  InstallSystem system;
  std::error_code error;
  system.executable = fs::read_symlink("/proc/self/exe", error).string();
  system.user_exists = [](const std::string& name) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    return ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr;
  };
  return system;
}

std::string render_unit(std::string_view executable) {
  return fill_unit("Written by `kinesyslog install`; local settings belong in kinesyslog.service.d/override.conf.", "",
                   executable, "");
}

std::string render_package_unit() {
  const std::string settings = fmt::format(
      "# The package's system user, created when it is installed; it owns the spool.\n"
      "User={0}\n"
      "Group={0}\n"
      "# The KINESYSLOG_* and AWS settings: a conffile, so upgrades keep them.\n"
      "EnvironmentFile={1}\n",
      kPackageUser, kPackageEnvironmentFile);
  return fill_unit(fmt::format("Installed by the kinesyslog package: settings belong in {}, other changes in a\n"
                               "# drop-in (systemctl edit kinesyslog); this file is replaced on upgrade.",
                               kPackageEnvironmentFile),
                   "Documentation=man:kinesyslog(1)\n", kPackageExecutable, settings);
}

std::string render_override(const std::string& user) {
  std::string text =
      "# Local settings for kinesyslog.service. `kinesyslog install` writes this file once and never\n"
      "# replaces it. Uncomment and edit, then: systemctl daemon-reload && systemctl restart kinesyslog\n"
      "[Service]\n"
      "# The user the relay runs as; it owns the spool directory.\n";
  text += user.empty() ? "#User=\n" : "User=" + user + "\n";
  text +=
      "\n# kinesyslog listen options. A repeatable option takes values separated by spaces,\n"
      "# e.g. Environment=\"KINESYSLOG_TCP_PORT=514 601\"; a flag takes true or false.\n";
  text += option_lines([](const std::string& variable, const std::string& value) {
    return fmt::format("#Environment=\"{}={}\"\n", variable, value);
  });
  text +=
      "# ProtectSystem=strict keeps the file system read-only: a directory given to --output-dir\n"
      "# must also be listed here, e.g. ReadWritePaths=/srv/kinesyslog\n";
  text += "\n# AWS credentials and configuration (default: the instance's role, through the metadata service).\n";
  for (const char* variable : kAwsVariables) text += fmt::format("#Environment=\"{}=\"\n", variable);
  text += fmt::format("\n{}\nEnvironment=\"{}\"\n", kNoProxyComment, kNoProxy);
  return text;
}

std::string render_environment_file() {
  std::string text = fmt::format(
      "# Settings of kinesyslog.service, read by systemd (EnvironmentFile= in the unit). The package\n"
      "# keeps this file across upgrades (a conffile) and removes it only on purge.\n"
      "#\n"
      "# The service is installed disabled and not started: until KINESYSLOG_STREAM (or\n"
      "# KINESYSLOG_OUTPUT_DIR) and the ports are set here it has nowhere to deliver and nothing to\n"
      "# listen on. Edit this file, then:\n"
      "#   systemctl enable --now kinesyslog\n"
      "# and after later edits: systemctl restart kinesyslog\n"
      "#\n"
      "# One VARIABLE=value a line; lines starting with # are ignored. A repeatable option takes\n"
      "# values separated by spaces, in double quotes, e.g. KINESYSLOG_TCP_PORT=\"514 601\"; a flag\n"
      "# takes true or false. Every variable is described in kinesyslog(1).\n"
      "#\n"
      "# The unit's file system is read-only apart from the spool: a directory given to\n"
      "# KINESYSLOG_OUTPUT_DIR must also be made writable with a drop-in (systemctl edit kinesyslog):\n"
      "#   [Service]\n"
      "#   ReadWritePaths=/srv/kinesyslog\n"
      "\n# kinesyslog listen options.\n");
  text += option_lines([](const std::string& variable, const std::string& value) {
    const bool quote = value.find_first_of(" \t\"\\'$") != std::string::npos;
    return fmt::format("#{}={}\n", variable, quote ? "\"" + value + "\"" : value);
  });
  text += "\n# AWS credentials and configuration (default: the instance's role, through the metadata service).\n";
  for (const char* variable : kAwsVariables) text += fmt::format("#{}=\n", variable);
  text += fmt::format("\n{}\n{}\n", kNoProxyComment, kNoProxy);
  return text;
}

namespace {

// The unit and /etc/default file of the Debian package, which debian/rules installs.
int write_package_files(const fs::path& directory, std::FILE* out, std::FILE* err) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return write_failure(err, directory, error);
  for (const auto& [name, contents] : {std::pair{"kinesyslog.service", render_package_unit()},
                                       std::pair{"kinesyslog.default", render_environment_file()}}) {
    const fs::path path = directory / name;
    if ((error = write_file(path, contents))) return write_failure(err, path, error);
    fmt::print(out, "wrote {}\n", path.string());
  }
  return kExitOk;
}

}  // namespace

int run_install(const InstallOptions& options, const InstallSystem& system, std::FILE* out, std::FILE* err) {
  if (!options.package_files_dir.empty()) return write_package_files(options.package_files_dir, out, err);
  if (!options.user.empty() && !system.user_exists(options.user)) {
    fmt::print(err,
               "kinesyslog install: --user {}: no such user on this system; create it (e.g. useradd --system {}) "
               "or leave --user out\n",
               options.user, options.user);
    return kExitConfig;
  }
  if (system.executable.empty() || !fs::path(system.executable).is_absolute()) {
    fmt::print(err, "kinesyslog install: cannot tell where this program is (/proc/self/exe is unreadable)\n");
    return kExitSoftware;
  }
  const fs::path directory(options.system_dir);
  const fs::path unit = directory / "kinesyslog.service";
  const fs::path drop_in = directory / "kinesyslog.service.d";
  const fs::path override_file = drop_in / "override.conf";

  std::error_code error;
  fs::create_directories(drop_in, error);
  if (error) return write_failure(err, drop_in, error);
  if ((error = write_file(unit, render_unit(system.executable)))) return write_failure(err, unit, error);
  fmt::print(out, "wrote {}\n", unit.string());
  if (fs::exists(override_file, error)) {
    fmt::print(out, "kept {} (it exists; install never replaces it)\n", override_file.string());
  } else {
    if ((error = write_file(override_file, render_override(options.user))))
      return write_failure(err, override_file, error);
    fmt::print(out, "wrote {}\n", override_file.string());
  }
  fmt::print(out,
             "\nNext: set KINESYSLOG_STREAM (or KINESYSLOG_OUTPUT_DIR) and the ports in {}, then run\n"
             "  systemctl daemon-reload\n"
             "  systemctl enable --now kinesyslog\n",
             override_file.string());
  return kExitOk;
}

}  // namespace kinesyslog::cli
