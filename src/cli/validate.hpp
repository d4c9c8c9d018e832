#pragma once
// Configuration checks for `listen` (docs/behaviour.md §1.3): each failure names the option at fault and
// what to do, and makes the process exit with kExitConfig (78).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/listen_options.hpp"

namespace kinesyslog::cli {

inline constexpr uint64_t kMaxFlushSize = 64ULL * 1024 * 1024;
inline constexpr uint64_t kMinMessageSize = 1024;
// A single event must fit in one 1,024,000-byte Firehose record even after JSON escaping.
inline constexpr uint64_t kMaxMessageSize = 256 * 1024;
inline constexpr int kMinCompressionLevel = 1;
inline constexpr int kMaxCompressionLevel = 12;  // libdeflate's highest
// A minute between journal syncs is already more loss than a journal is for.
inline constexpr uint64_t kMaxJournalSyncMs = 60'000;

struct ConfigError {
  std::string option;   // the option at fault, e.g. "--udp-port"
  std::string message;  // a sentence naming the option and what to do
};

// Checks that need nothing but the options themselves.
std::optional<ConfigError> validate(const ListenOptions& options);

// Checks against the filesystem: --output-dir exists or can be created (it is created),
// --spool-dir is a writable directory that is not world-writable without the sticky bit (the
// default one is created, mode 0700), --cert/--key/--client-ca are readable.
std::optional<ConfigError> validate_paths(const ListenOptions& options);

// validate() then validate_paths(): on failure, the message to print and kExitConfig.
std::optional<PrintAndExit> check_listen_options(const ListenOptions& options);

// The non-zero ports of a validated list, as port numbers.
std::vector<uint16_t> enabled_ports(const std::vector<int>& ports);

// The TLS ports to listen on: none without --cert and --key, so the default 6514 is
// only opened when TLS is configured.
std::vector<uint16_t> effective_tls_ports(const ListenOptions& options);

}  // namespace kinesyslog::cli
