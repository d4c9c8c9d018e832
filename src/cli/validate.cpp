#include "cli/validate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/exit_codes.hpp"
#include "cli/listen_config.hpp"
#include "cli/spool_directory.hpp"
#include "core/bind_address.hpp"
#include "core/record.hpp"
#include "core/stream_name.hpp"
#include "net/trusted_proxies.hpp"

namespace kinesyslog::cli {
namespace {

constexpr int kMaxPort = 65535;

ConfigError error_for(std::string option, const std::string& message) {
  std::string sentence = option + ": " + message;
  return ConfigError{std::move(option), std::move(sentence)};
}

struct NamedPorts {
  std::string option;
  const std::vector<int>& ports;
};

std::optional<ConfigError> check_port_list(const NamedPorts& list) {
  for (size_t i = 0; i < list.ports.size(); ++i) {
    int port = list.ports[i];
    if (port == 0) continue;  // 0 disables
    if (port < 0 || port > kMaxPort) {
      return error_for(list.option, std::to_string(port) + " is not a port; use 1 to 65535 (0 disables)");
    }
    if (std::find(list.ports.begin(), list.ports.begin() + static_cast<std::ptrdiff_t>(i), port) !=
        list.ports.begin() + static_cast<std::ptrdiff_t>(i)) {
      return error_for(list.option, std::to_string(port) + " is given twice; give each port once");
    }
  }
  return std::nullopt;
}

bool contains(const std::vector<uint16_t>& ports, int port) {
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

// RELP ports bind TCP sockets too: each may be no other listener's.
std::optional<ConfigError> check_relp_ports_distinct(const ListenPorts& ports) {
  for (uint16_t port : ports.relp) {
    if (contains(ports.tcp, port) || contains(ports.tls, port) || contains(ports.relp_tls, port) ||
        contains(ports.prometheus, port)) {
      return error_for("--relp-port",
                       std::to_string(port) + " is also another TCP listener's port; a port serves one listener");
    }
  }
  for (uint16_t port : ports.relp_tls) {
    if (contains(ports.tcp, port) || contains(ports.tls, port) || contains(ports.prometheus, port)) {
      return error_for("--relp-tls-port",
                       std::to_string(port) + " is also another TCP listener's port; a port serves one listener");
    }
  }
  return std::nullopt;
}

// TCP, TLS and metrics listeners all bind TCP sockets, so one port can serve only one of them.
std::optional<ConfigError> check_tcp_ports_distinct(const ListenPorts& ports) {
  if (auto error = check_relp_ports_distinct(ports)) return error;
  for (uint16_t port : ports.tls) {
    if (contains(ports.tcp, port)) {
      return error_for("--tls-port", std::to_string(port) + " is also a --tcp-port; a port serves one listener");
    }
  }
  for (uint16_t port : ports.prometheus) {
    if (contains(ports.tcp, port) || contains(ports.tls, port)) {
      return error_for("--prometheus-port",
                       std::to_string(port) + " is also a --tcp-port or --tls-port; a port serves one listener");
    }
  }
  return std::nullopt;
}

std::optional<ConfigError> check_ports(const ListenOptions& options) {
  for (const NamedPorts& list :
       {NamedPorts{"--udp-port", options.udp_ports}, NamedPorts{"--tcp-port", options.tcp_ports},
        NamedPorts{"--tls-port", options.tls_ports}, NamedPorts{"--relp-port", options.relp_ports},
        NamedPorts{"--relp-tls-port", options.relp_tls_ports},
        NamedPorts{"--proxy-protocol", options.proxy_protocol_ports},
        NamedPorts{"--prometheus-port", options.prometheus_ports}}) {
    if (auto error = check_port_list(list)) return error;
  }
  return std::nullopt;
}

std::optional<ConfigError> check_tls(const ListenOptions& options, const ListenPorts& ports) {
  if (options.cert.empty() != options.key.empty()) {
    return options.cert.empty() ? error_for("--cert", "--key is given without --cert; give both or neither")
                                : error_for("--key", "--cert is given without --key; give both or neither");
  }
  bool has_certificate = !options.cert.empty();
  bool tls_port_requested = options.was_given("tls-port") && !enabled_ports(options.tls_ports).empty();
  if (tls_port_requested && !has_certificate) {
    return error_for("--tls-port", "a TLS listener needs --cert and --key; give them, or drop --tls-port");
  }
  if (!ports.relp_tls.empty() && !has_certificate) {
    return error_for("--relp-tls-port",
                     "a RELP over TLS listener needs --cert and --key; give them, or drop --relp-tls-port");
  }
  if (!options.client_ca.empty() && ports.tls.empty() && ports.relp_tls.empty()) {
    return error_for("--client-ca", "client certificates are checked on TLS ports only; give --cert and --key");
  }
  if (!options.client_names.empty() && options.client_ca.empty()) {
    return error_for("--client-name", "client names are checked in client certificates; give --client-ca too");
  }
  return std::nullopt;
}

std::optional<ConfigError> check_proxy_from(const ListenOptions& options, const ListenPorts& ports) {
  for (const std::string& range : options.proxy_from) {
    if (!net::AddressRange::parse(range)) {
      return error_for("--proxy-from", range + " is not an address or CIDR range; use e.g. 10.0.0.0/8 or fd00::/8");
    }
  }
  if (!options.proxy_from.empty() && ports.proxy_protocol.empty()) {
    return error_for("--proxy-from", "no --proxy-protocol port takes PROXY headers; give one or drop --proxy-from");
  }
  return std::nullopt;
}

std::optional<ConfigError> check_proxy_protocol(const ListenPorts& ports) {
  for (uint16_t port : ports.proxy_protocol) {
    if (!contains(ports.tcp, port) && !contains(ports.tls, port) && !contains(ports.prometheus, port) &&
        !contains(ports.relp, port) && !contains(ports.relp_tls, port)) {
      return error_for("--proxy-protocol", std::to_string(port) +
                                               " is not a --tcp-port, TLS --tls-port, --relp-port, "
                                               "--relp-tls-port or --prometheus-port; "
                                               "name one of those ports");
    }
  }
  return std::nullopt;
}

// A stream named twice would take a share of the hash space under two loops of its own.
std::optional<ConfigError> check_streams_distinct(const std::vector<std::string>& streams, const std::string& option) {
  for (size_t i = 0; i < streams.size(); ++i) {
    if (std::find(streams.begin(), streams.begin() + static_cast<std::ptrdiff_t>(i), streams[i]) !=
        streams.begin() + static_cast<std::ptrdiff_t>(i)) {
      return error_for(option, streams[i] + " is given twice; give each stream once");
    }
  }
  return std::nullopt;
}

std::optional<ConfigError> check_listeners(const ListenPorts& ports) {
  if (ports.udp.empty() && ports.tcp.empty() && ports.tls.empty() && ports.relp.empty() && ports.relp_tls.empty()) {
    return error_for("--udp-port",
                     "no listener is enabled; give --udp-port, --tcp-port, or --tls-port with --cert and --key");
  }
  return std::nullopt;
}

std::optional<ConfigError> check_seconds(std::string option, std::chrono::duration<double> value) {
  if (!(value.count() > 0) || !std::isfinite(value.count())) {
    return error_for(std::move(option), std::to_string(value.count()) + " is not a number of seconds above 0");
  }
  return std::nullopt;
}

std::optional<ConfigError> check_limits(const ListenOptions& options) {
  if (auto error = check_seconds("--flush-age", options.flush_age)) return error;
  if (options.flush_size < 1 || options.flush_size > kMaxFlushSize) {
    return error_for("--flush-size", std::to_string(options.flush_size) + " is out of range; use 1 to " +
                                         std::to_string(kMaxFlushSize) + " bytes");
  }
  if (auto error = check_seconds("--delivery-interval", options.delivery_interval)) return error;
  if (options.max_message_size < kMinMessageSize || options.max_message_size > kMaxMessageSize) {
    return error_for("--max-message-size", std::to_string(options.max_message_size) + " is out of range; use " +
                                               std::to_string(kMinMessageSize) + " to " +
                                               std::to_string(kMaxMessageSize) + " bytes");
  }
  if (options.max_partial_bytes < options.max_message_size) {  // else no message could span two reads
    return error_for("--max-partial-bytes", std::to_string(options.max_partial_bytes) +
                                                " is below --max-message-size; use at least " +
                                                std::to_string(options.max_message_size) + " bytes");
  }
  if (options.max_connections_per_source < 1) {
    return error_for("--max-connections-per-source", "0 would refuse every connection; use 1 or more");
  }
  if (options.spool_max_bytes != 0 && options.spool_max_bytes < kFirehoseMaxRecordBytes) {
    // Below one largest record, a full batch could never be spooled at all.
    return error_for("--spool-max-bytes", std::to_string(options.spool_max_bytes) +
                                              " is too small; use 0 (no cap) or at least " +
                                              std::to_string(kFirehoseMaxRecordBytes) + " bytes");
  }
  if (options.journal_sync_ms > kMaxJournalSyncMs) {
    const std::string range = "use 0 (no journal) to " + std::to_string(kMaxJournalSyncMs) + " milliseconds";
    return error_for("--journal-sync-ms", std::to_string(options.journal_sync_ms) + " is out of range; " + range);
  }
  if (options.compression_level < kMinCompressionLevel || options.compression_level > kMaxCompressionLevel) {
    return error_for("--compression-level",
                     std::to_string(options.compression_level) + " is out of range; use 1 to 12");
  }
  return std::nullopt;
}

std::optional<ConfigError> check_readable_file(std::string option, const std::string& path) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return std::nullopt;
  return error_for(std::move(option), path + " cannot be read; check the path and its permissions");
}

// Each name as the API's model defines it (core/stream_name.hpp), given once.
std::optional<ConfigError> check_stream_names(const std::vector<std::string>& streams, const std::string& option,
                                              size_t max_length, std::string_view kind) {
  for (const std::string& name : streams) {
    if (!is_stream_name(name, max_length)) {
      return error_for(option,
                       fmt::format("'{}' is not a {} name (1-{} of a-z A-Z 0-9 _ . -)", name, kind, max_length));
    }
  }
  return check_streams_distinct(streams, option);
}

// Kinesis Data Streams replaces Firehose and the output directory.
std::optional<ConfigError> check_kinesis_streams(const ListenOptions& options) {
  const auto& streams = options.kinesis_streams;
  if (streams.empty()) return std::nullopt;
  if (!options.streams.empty()) {
    return error_for("--kinesis-stream",
                     "records go to Kinesis Data Streams or to Firehose, not both; give "
                     "--kinesis-stream or --stream");
  }
  if (!options.output_dir.empty()) {
    return error_for("--kinesis-stream",
                     "records go to Kinesis Data Streams or to --output-dir, not both; give "
                     "one of them");
  }
  return check_stream_names(streams, "--kinesis-stream", kKinesisStreamNameMax, "Kinesis stream");
}

}  // namespace

std::vector<uint16_t> enabled_ports(const std::vector<int>& ports) {
  std::vector<uint16_t> enabled;
  for (int port : ports) {
    if (port > 0 && port <= kMaxPort) enabled.push_back(static_cast<uint16_t>(port));
  }
  return enabled;
}

std::vector<uint16_t> effective_tls_ports(const ListenOptions& options) {
  if (options.cert.empty() || options.key.empty()) return {};
  return enabled_ports(options.tls_ports);
}

std::optional<ConfigError> validate(const ListenOptions& options) {
  if (auto error = check_ports(options)) return error;
  if (!BindAddress::parse(options.address)) {
    return error_for("--address", options.address + " is not an IPv4 or IPv6 literal; use e.g. 0.0.0.0 or ::");
  }
  const ListenPorts ports = listen_ports(options);  // the lists passed their range checks
  if (auto error = check_tls(options, ports)) return error;
  if (auto error = check_tcp_ports_distinct(ports)) return error;
  if (auto error = check_proxy_protocol(ports)) return error;
  if (auto error = check_proxy_from(options, ports)) return error;
  if (auto error = check_listeners(ports)) return error;
  if (auto error = check_kinesis_streams(options)) return error;
  if (options.streams.empty() && options.output_dir.empty() && options.kinesis_streams.empty()) {
    return error_for("--stream",
                     "no delivery stream given; give --stream NAME (or --kinesis-stream NAME, or "
                     "--output-dir DIR)");
  }
  if (auto error = check_stream_names(options.streams, "--stream", kFirehoseStreamNameMax, "Firehose delivery stream"))
    return error;
  return check_limits(options);
}

std::optional<ConfigError> validate_paths(const ListenOptions& options) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!options.output_dir.empty()) {
    fs::create_directories(options.output_dir, error);
    if (error || !fs::is_directory(options.output_dir, error)) {
      return error_for("--output-dir", options.output_dir + " is not a directory and cannot be created" +
                                           (error ? " (" + error.message() + ")" : std::string()));
    }
  }
  if (!options.was_given("spool-dir")) {
    if (auto failure = create_private_directory(options.spool_dir)) {
      return error_for("--spool-dir", *failure + "; create it or give another");
    }
  }
  if (!fs::is_directory(options.spool_dir, error)) {
    return error_for("--spool-dir", options.spool_dir + " is not a directory; create it or give another");
  }
  if (::access(options.spool_dir.c_str(), W_OK | X_OK) != 0) {
    return error_for("--spool-dir", options.spool_dir + " is not writable; fix its permissions or give another");
  }
  if (auto refusal = shared_spool_refusal(options.spool_dir)) return error_for("--spool-dir", *refusal);
  if (auto failure = check_readable_file("--cert", options.cert)) return failure;
  if (auto failure = check_readable_file("--key", options.key)) return failure;
  return check_readable_file("--client-ca", options.client_ca);
}

std::optional<PrintAndExit> check_listen_options(const ListenOptions& options) {
  std::optional<ConfigError> error = validate(options);
  if (!error) error = validate_paths(options);
  if (!error) return std::nullopt;
  return PrintAndExit{"kinesyslog: " + error->message + "\n", kExitConfig};
}

}  // namespace kinesyslog::cli
