#pragma once
// The command-line surface of docs/behaviour.md §1: `listen`, `dump FILE...`, `install`. Parsing only
// says what to do; main() does it, so every outcome here is testable without side effects.
#include <string>
#include <variant>
#include <vector>

#include "cli/environment.hpp"
#include "cli/listen_options.hpp"

namespace kinesyslog::cli {

struct RunListen {
  ListenOptions options;  // not yet validated: see validate() and validate_paths()
};

struct RunDump {
  std::vector<std::string> files;  // "-" means standard input
};

struct RunInstall {
  InstallOptions options;
};

// Help, version, or a usage error: print `text` and exit with `exit_code`.
struct PrintAndExit {
  std::string text;
  int exit_code = 0;

  bool to_stderr() const { return exit_code != 0; }
};

using ParseOutcome = std::variant<RunListen, RunDump, RunInstall, PrintAndExit>;

// One `listen` option as the help and the installed override file describe it.
struct ListenOptionDescription {
  std::string long_name;      // without "--", e.g. "tcp-port"
  std::string meaning;        // one line
  std::string default_text;   // as --help shows it, e.g. "0", "none", "required unless --output-dir"
  std::string default_value;  // what the KINESYSLOG_* variable would hold for the default; empty if none
  bool repeatable = false;
};

// Every `listen` option, in --help order: the one table the parser, --help and
// `kinesyslog install` share, so the override file can never miss an option.
std::vector<ListenOptionDescription> listen_option_table();

// `env` supplies the KINESYSLOG_* variables (and STATE_DIRECTORY, XDG_STATE_HOME, HOME) for
// `listen`; the command line wins over it.
ParseOutcome parse_command_line(int argc, const char* const* argv, const Environment& env);

}  // namespace kinesyslog::cli
