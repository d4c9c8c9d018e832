#include "cli/install.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <system_error>
#include <vector>

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
  std::string unit(packaging::kUnitTemplate);
  replace_all(unit, "{exec_start}", unit_quoted(executable));
  replace_all(unit, "{spool_dir}", kUnitSpoolDir);
  return unit;
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
  for (const ListenOptionDescription& option : listen_option_table()) {
    const bool spool = option.long_name == "spool-dir";
    const std::string default_text = spool ? std::string(kUnitSpoolDir) + " (set by the unit)" : option.default_text;
    const std::string value = spool ? std::string(kUnitSpoolDir) : option.default_value;
    text += fmt::format("# --{}: {}{} [default: {}]\n", option.long_name, option.meaning,
                        option.repeatable ? " (repeatable)" : "", default_text);
    text += fmt::format("#Environment=\"{}={}\"\n", environment_variable_for(option.long_name), value);
  }
  text += "# ProtectSystem=strict keeps the file system read-only: a directory given to --output-dir\n"
          "# must also be listed here, e.g. ReadWritePaths=/srv/kinesyslog\n";
  text += "\n# AWS credentials and configuration (default: the instance's role, through the metadata service).\n";
  for (const char* variable : kAwsVariables) text += fmt::format("#Environment=\"{}=\"\n", variable);
  text += "\n# The instance metadata service (credentials, region) is never reached through a proxy.\n"
          "Environment=\"no_proxy=169.254.169.254\"\n";
  return text;
}

int run_install(const InstallOptions& options, const InstallSystem& system, std::FILE* out, std::FILE* err) {
  if (!options.user.empty() && !system.user_exists(options.user)) {
    fmt::print(err, "kinesyslog install: --user {}: no such user on this system; create it (e.g. useradd --system {}) "
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
    if ((error = write_file(override_file, render_override(options.user)))) return write_failure(err, override_file, error);
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
