#include "cli/command_line.hpp"

// The one translation unit that includes CLI11 (it is header-heavy).
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/exit_codes.hpp"
#include "cli/spool_directory.hpp"

namespace kinesyslog::cli {
namespace {

constexpr const char* kVersionText = "kinesyslog " KINESYSLOG_VERSION;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string describe(std::string_view meaning, std::string_view default_text, std::string_view long_name) {
  std::string text(meaning);
  text += " [default: ";
  text += default_text;
  text += "] [env: ";
  text += environment_variable_for(long_name);
  text += "]";
  return text;
}

// A CLI11 check: the reason a text is no count of bytes, or nothing.
std::string refuse_negative(const std::string& text) {
  size_t first = text.find_first_not_of(" \t");
  return first != std::string::npos && text[first] == '-' ? "a size cannot be negative: " + text : std::string();
}

// The `listen` subcommand: each option is registered with CLI11 for the command line and
// remembers how to read its KINESYSLOG_* variable, which applies only when the command line
// does not give the option (docs/behaviour.md §1.1: the command line wins, also for repeatable options).
class ListenCommand {
 public:
  ListenCommand(CLI::App& app, ListenOptions& options) : options_(options) {
    command_ = app.add_subcommand("listen", "Receive syslog/GELF and deliver it to Kinesis Data Firehose");
    register_options();
  }

  const std::vector<ListenOptionDescription>& table() const { return table_; }

  // Fills in options the command line left out; returns a usage error message on a bad value.
  std::optional<std::string> apply_environment(const Environment& env) {
    for (const Binding& binding : bindings_) {
      if (binding.option->count() > 0) {
        options_.given.insert(binding.long_name);
        continue;
      }
      std::string variable = environment_variable_for(binding.long_name);
      std::optional<std::string> value = env(variable);
      // An empty variable leaves a valued option at its default; for a flag it means false.
      if (!value || (value->empty() && !binding.is_flag)) continue;
      if (std::optional<std::string> problem = binding.apply(*value)) {
        return variable + "=" + in_quotes(*value) + ": " + *problem;
      }
      options_.given.insert(binding.long_name);
    }
    return std::nullopt;
  }

 private:
  struct Binding {
    std::string long_name;
    CLI::Option* option = nullptr;
    bool is_flag = false;
    // Applies an environment value; returns what is wrong with it, if anything.
    std::function<std::optional<std::string>(const std::string&)> apply;
  };

  template <class T>
  void add_value(const std::string& long_name, std::string_view meaning, std::string_view default_text,
                 const std::string& type_name, std::function<void(const T&)> assign) {
    CLI::Option* option =
        command_->add_option_function<T>("--" + long_name, assign, describe(meaning, default_text, long_name));
    table_.push_back({long_name, std::string(meaning), std::string(default_text), std::string(default_text), false});
    option->type_name(type_name);
    // As the original (click): a single-valued option given twice takes the last value.
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // CLI11 would read "-1" as a huge unsigned number; refuse it as the usage error it is.
    if constexpr (std::is_unsigned_v<T>) option->check(CLI::Validator(refuse_negative, ""));
    bindings_.push_back({long_name, option, false,
                         [assign, type_name, long_name](const std::string& text) -> std::optional<std::string> {
                           T value{};
                           bool negative = std::is_unsigned_v<T> && !refuse_negative(text).empty();
                           if (negative || !CLI::detail::lexical_cast(text, value)) {
                             return "not a valid " + type_name + " for --" + long_name;
                           }
                           assign(value);
                           return std::nullopt;
                         }});
  }

  void add_text(const std::string& long_name, std::string_view meaning, std::string_view default_text,
                const std::string& type_name, std::string& target) {
    const bool default_is_value = default_text == target;  // not "none", "required unless ..."
    add_value<std::string>(long_name, meaning, default_text, type_name,
                           [&target](const std::string& value) { target = value; });
    if (!default_is_value) table_.back().default_value.clear();
  }

  void add_seconds(const std::string& long_name, std::string_view meaning, std::string_view default_text,
                   std::chrono::duration<double>& target) {
    add_value<double>(long_name, meaning, default_text, "SECONDS",
                      [&target](const double& value) { target = std::chrono::duration<double>(value); });
  }

  // Repeatable: `--tcp-port 1 --tcp-port 2` on the command line, "1 2" in the environment.
  void add_ports(const std::string& long_name, std::string_view meaning, std::string_view default_text,
                 std::vector<int>& target) {
    CLI::Option* option = command_->add_option_function<std::vector<int>>(
        "--" + long_name, [&target](const std::vector<int>& ports) { target = ports; },
        describe(meaning, default_text, long_name) + " (repeatable)");
    option->type_name("PORT");
    option->allow_extra_args(false);  // one port per occurrence, as the original
    table_.push_back({long_name, std::string(meaning), std::string(default_text), std::string(default_text), true});
    bindings_.push_back(
        {long_name, option, false, [&target, long_name](const std::string& text) -> std::optional<std::string> {
           std::vector<int> ports;
           for (const std::string& word : split_whitespace(text)) {
             int port = 0;
             if (!CLI::detail::lexical_cast(word, port)) {
               return in_quotes(word) + " is not a port number for --" + long_name;
             }
             ports.push_back(port);
           }
           target = std::move(ports);
           return std::nullopt;
         }});
  }

  // Repeatable words (ranges, names): one per occurrence, separated by whitespace in the environment.
  void add_words(const std::string& long_name, std::string_view meaning, std::string type_name,
                 std::vector<std::string>& target, std::string_view default_text = "none") {
    CLI::Option* option = command_->add_option_function<std::vector<std::string>>(
        "--" + long_name, [&target](const std::vector<std::string>& words) { target = words; },
        describe(meaning, default_text, long_name) + " (repeatable)");
    option->type_name(std::move(type_name));
    option->allow_extra_args(false);
    table_.push_back({long_name, std::string(meaning), std::string(default_text), "", true});
    bindings_.push_back({long_name, option, false, [&target](const std::string& text) -> std::optional<std::string> {
                           target = split_whitespace(text);
                           return std::nullopt;
                         }});
  }

  void add_flag(const std::string& long_name, std::string_view meaning, bool& target) {
    CLI::Option* option = command_->add_flag("--" + long_name, target, describe(meaning, "off", long_name));
    table_.push_back({long_name, std::string(meaning), "off", "false", false});
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    bindings_.push_back({long_name, option, true, [&target](const std::string& text) -> std::optional<std::string> {
                           std::optional<bool> value = parse_flag_word(text);
                           if (!value)
                             return std::string("not a flag value: use 1, true, yes, on or 0, false, no, off");
                           target = *value;
                           return std::nullopt;
                         }});
  }

  void register_options() {
    ListenOptions& o = options_;
    add_words("stream",
              "Firehose delivery stream name; given several times, each (source, port) goes to one of them by a "
              "fixed hash",
              "TEXT", o.streams, "required unless --output-dir");
    add_text("address", "Bind address, an IPv4 or IPv6 literal (:: binds dual-stack)", o.address, "TEXT", o.address);
    add_ports("udp-port", "UDP listener port; 0 disables", "0", o.udp_ports);
    add_ports("tcp-port", "TCP listener port; 0 disables", "0", o.tcp_ports);
    add_ports("tls-port", "TLS listener port (RFC 5425); listens only with --cert and --key",
              std::to_string(kDefaultTlsPort), o.tls_ports);
    add_ports("relp-port", "RELP listener port (rsyslog omrelp): a message is acknowledged once it is durable", "0",
              o.relp_ports);
    add_ports("relp-tls-port", "RELP over TLS listener port; needs --cert and --key (and takes --client-ca)", "0",
              o.relp_tls_ports);
    add_text("cert", "Server certificate chain (PEM) for the TLS ports", "none", "PATH", o.cert);
    add_text("key", "Server private key (PEM) for the TLS ports", "none", "PATH", o.key);
    add_ports("proxy-protocol", "TCP, TLS or RELP port on which a PROXY v1/v2 header is required", "0",
              o.proxy_protocol_ports);
    add_words("proxy-from",
              "Address or CIDR range whose PROXY headers are honoured (a load balancer); a --proxy-protocol "
              "connection from anyone else is closed. Without it any client reaching such a port can claim any "
              "source address",
              "CIDR", o.proxy_from);
    add_ports("prometheus-port", "HTTP port serving /metrics and /health", "0", o.prometheus_ports);
    add_text("spool-dir",
             "Where compressed records wait for delivery: one relay's own directory, never world-writable without "
             "the sticky bit; when given it must exist and be writable",
             "$STATE_DIRECTORY, else /var/lib/kinesyslog as root, else $XDG_STATE_HOME/kinesyslog or "
             "~/.local/state/kinesyslog (created with mode 0700)",
             "DIR", o.spool_dir);
    add_value<uint64_t>("spool-max-bytes",
                        "Cap on compressed bytes waiting in the spool; past it new records are refused and counted "
                        "(spool_full); 0: no cap",
                        "0", "BYTES", [&o](const uint64_t& value) { o.spool_max_bytes = value; });
    add_value<uint64_t>("journal-sync-ms",
                        "Every accepted message is journaled in <spool-dir>/journal and synced to disk within this "
                        "many milliseconds, so a crash loses at most that much; 0: no journal (messages are durable "
                        "only once their batch is spooled)",
                        std::to_string(o.journal_sync_ms), "MS",
                        [&o](const uint64_t& value) { o.journal_sync_ms = value; });
    add_text("region", "AWS region", "from the AWS configuration", "TEXT", o.region);
    add_text("profile", "AWS shared-config profile", "none", "TEXT", o.profile);
    add_flag("gelf", "The ports speak GELF instead of syslog", o.gelf);
    add_text("group-prefix", "logGroup prefix", o.group_prefix, "TEXT", o.group_prefix);
    add_flag("debug", "Debug logging", o.debug);
    add_flag("debug-asyncio", "Accepted for compatibility; no effect", o.debug_asyncio);
    add_text("output-dir", "Deliver records into this directory as Firehose writes S3 objects, instead of AWS", "none",
             "DIR", o.output_dir);
    add_text("endpoint-url", "Firehose (with --kinesis-stream: Kinesis) endpoint override",
             "AWS_ENDPOINT_URL_FIREHOSE, AWS_ENDPOINT_URL", "URL", o.endpoint_url);
    add_words("kinesis-stream",
              "Kinesis Data Streams stream to send records to with PutRecords, instead of Firehose (partition key: "
              "the source address); endpoint from AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL",
              "NAME", o.kinesis_streams);
    add_seconds("flush-age", "Max age of an open batch before it is closed", "60", o.flush_age);
    add_value<uint64_t>("flush-size", "Raw message bytes that close a batch", std::to_string(o.flush_size), "BYTES",
                        [&o](const uint64_t& value) { o.flush_size = value; });
    add_seconds("delivery-interval", "How often waiting records are sent (sooner when 500 wait)", "60",
                o.delivery_interval);
    add_value<uint64_t>("max-message-size", "Longer messages are truncated", std::to_string(o.max_message_size),
                        "BYTES", [&o](const uint64_t& value) { o.max_message_size = value; });
    add_value<uint64_t>("max-partial-bytes",
                        "Memory for unfinished messages of all connections; past it the oldest are delivered cut "
                        "short (truncated)",
                        std::to_string(o.max_partial_bytes), "BYTES",
                        [&o](const uint64_t& value) { o.max_partial_bytes = value; });
    add_value<uint64_t>("max-connections-per-source",
                        "Open TCP/TLS connections from one address; more are refused (PROXY ports: not applied)",
                        std::to_string(o.max_connections_per_source), "COUNT",
                        [&o](const uint64_t& value) { o.max_connections_per_source = value; });
    add_text("client-ca", "Require client certificates on TLS ports that chain to this CA bundle", "none", "PATH",
             o.client_ca);
    add_words("client-name",
              "With --client-ca: a client certificate must also carry one of these names as CN or "
              "DNS subject alternative name",
              "NAME", o.client_names);
    add_value<int>("compression-level", "gzip level 1-12 (libdeflate)", std::to_string(o.compression_level), "INT",
                   [&o](const int& value) { o.compression_level = value; });
    add_flag("random-ids", "Fully random 56-digit event ids, as the original", o.random_ids);
    add_flag("pack-records",
             "Pack many small records (each a whole gzip document) into one Firehose record of up to 1,024,000 "
             "bytes: Firehose bills each record rounded up to 5 KiB. S3 objects are unchanged, but a Lambda "
             "transformation or HTTP endpoint then sees several gzip documents in one record",
             o.pack_records);
  }

  ListenOptions& options_;
  CLI::App* command_ = nullptr;
  std::vector<Binding> bindings_;
  std::vector<ListenOptionDescription> table_;
};

void drop_disabled_ports(std::vector<int>& ports) { std::erase(ports, 0); }

// Defaults that come from outside kinesyslog's own variables.
ListenOptions listen_defaults(const Environment& env) {
  ListenOptions options;
  options.spool_dir = default_spool_dir(env, ::geteuid() == 0);
  return options;
}

// AWS_ENDPOINT_URL_FIREHOSE and AWS_ENDPOINT_URL are not read here: aws::resolve_endpoint reads
// them after --endpoint-url, and only it knows AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
void finish_listen_options(ListenOptions& options) {
  for (std::vector<int>* ports : {&options.udp_ports, &options.tcp_ports, &options.tls_ports, &options.relp_ports,
                                  &options.relp_tls_ports, &options.proxy_protocol_ports, &options.prometheus_ports}) {
    drop_disabled_ports(*ports);
  }
}

}  // namespace

std::vector<ListenOptionDescription> listen_option_table() {
  CLI::App app;
  ListenOptions defaults;
  return ListenCommand(app, defaults).table();
}

ParseOutcome parse_command_line(int argc, const char* const* argv, const Environment& env) {
  CLI::App app("Relay syslog and GELF over UDP, TCP and TLS to AWS Kinesis Data Firehose", "kinesyslog");
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersionText);

  ListenOptions listen_options = listen_defaults(env);
  ListenCommand listen(app, listen_options);

  std::vector<std::string> dump_files;
  CLI::App* dump = app.add_subcommand("dump", "Print the log events in gzip record files, one JSON object a line");
  dump->add_option("files", dump_files, "Files of concatenated gzip records; - reads standard input")
      ->required()
      ->type_name("FILE");

  InstallOptions install_options;
  CLI::App* install = app.add_subcommand("install", "Write a systemd unit and its override file");
  install->add_option("--user", install_options.user, "User the service runs as [default: none]");
  install->add_option("--system-dir", install_options.system_dir,
                      "Directory for kinesyslog.service [default: " + install_options.system_dir + "]");
  // For debian/rules only (hidden from --help and the man page): the package's unit and /etc/default file.
  install->add_option("--package-files", install_options.package_files_dir)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // Top-level --help lists every subcommand's options with defaults and variables.
    bool subcommand_selected = !app.get_subcommands().empty();
    return PrintAndExit{subcommand_selected ? app.help() : app.help("", CLI::AppFormatMode::All), kExitOk};
  } catch (const CLI::ParseError& error) {
    std::ostringstream out;
    std::ostringstream err;
    int code = app.exit(error, out, err);
    if (code == 0) return PrintAndExit{out.str(), kExitOk};
    return PrintAndExit{"kinesyslog: " + err.str(), kExitUsage};
  }

  if (dump->parsed()) return RunDump{std::move(dump_files)};
  if (install->parsed()) return RunInstall{std::move(install_options)};

  if (std::optional<std::string> problem = listen.apply_environment(env)) {
    return PrintAndExit{"kinesyslog: " + *problem + "\nRun with listen --help for the accepted values.\n", kExitUsage};
  }
  finish_listen_options(listen_options);
  return RunListen{std::move(listen_options)};
}

}  // namespace kinesyslog::cli
