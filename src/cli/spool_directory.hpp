#pragma once
// Where records wait when --spool-dir is not given, and what a spool directory must not be:
// the spool holds accepted data until delivery, so it must be private and survive reboots.
#include <optional>
#include <string>
#include <vector>

#include "cli/environment.hpp"

namespace kinesyslog::cli {

// systemd's $STATE_DIRECTORY (its first path when it lists several), else
// /var/lib/kinesyslog when `as_root`, else $XDG_STATE_HOME/kinesyslog, else
// $HOME/.local/state/kinesyslog (XDG Base Directory: a relative $XDG_STATE_HOME is ignored).
std::string default_spool_dir(const Environment& env, bool as_root);

// Creates `directory` and its missing parents with mode 0700; what went wrong, if anything.
std::optional<std::string> create_private_directory(const std::string& directory);

// Why `directory` cannot hold a spool (any local user could add, replace or delete records
// in a world-writable directory without the sticky bit), or nothing.
std::optional<std::string> shared_spool_refusal(const std::string& directory);

// What an operator should know at start: a spool on tmpfs is lost at reboot and takes RAM
// during an outage (fsync does nothing there); a world-writable sticky directory such as
// /tmp lets other users take the names records would get.
std::vector<std::string> spool_warnings(const std::string& directory);

}  // namespace kinesyslog::cli
