// kinesyslog: checks the options, builds the typed configuration once, wires the pipeline
// and the destination from it, and handles signals until the shutdown.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <variant>
#include <vector>

#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "cli/command_line.hpp"
#include "cli/dump.hpp"
#include "cli/exit_codes.hpp"
#include "cli/install.hpp"
#include "cli/listen_config.hpp"
#include "cli/spool_directory.hpp"
#include "cli/validate.hpp"
#include "core/environment.hpp"
#include "core/random_seed.hpp"
#include "deliver/firehose_delivery.hpp"
#include "deliver/kinesis_delivery.hpp"
#include "deliver/output_directory.hpp"
#include "net/listener.hpp"
#include "net/open_files_limit.hpp"
#include "net/tls_context_holder.hpp"
#include "relay/delivery_event_reporter.hpp"
#include "relay/metrics_endpoint.hpp"
#include "relay/relay.hpp"
#include "relay/service_notifier.hpp"
#include "relay/stop_signals.hpp"

namespace kinesyslog {
namespace {

// Ten seconds from SIGTERM to exit, whatever AWS or the disk does (a promise to operators; the
// unit's TimeoutStopSec is longer): every wait of the shutdown ends by this deadline, and the
// last half second is left for closing threads and sockets.
constexpr auto kShutdownBudget = std::chrono::milliseconds(9'500);

void configure_logging(bool debug) {
  // Journald adds its own timestamps; colour only on a terminal.
  auto logger = isatty(STDERR_FILENO) ? spdlog::stderr_color_mt("kinesyslog") : spdlog::stderr_logger_mt("kinesyslog");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

int config_error(const std::string& message) {
  spdlog::error("{}", message);
  return cli::kExitConfig;
}

// SIGHUP: new connections take the reloaded certificate, key and CA; open ones keep theirs.
void reload_tls(const std::shared_ptr<net::TlsContextHolder>& tls) {
  if (!tls) {
    spdlog::info("SIGHUP: no TLS listener, nothing to reload");
    return;
  }
  const net::TlsReloadResult result = tls->reload();
  if (result.reloaded) {
    spdlog::info("SIGHUP: reloaded the TLS certificate, key and client CA for new connections");
  } else {
    spdlog::error("SIGHUP: kept the previous TLS material: {}", result.error);
  }
}

// Every connection is a descriptor: raise the soft limit to the hard one, and keep the
// connection total below it with room for the relay's own (which grow with the threads).
size_t open_files_for_connections(const relay::RelayConfig& config) {
  const net::OpenFilesLimit files = net::raise_open_files_limit();
  // The metrics endpoint's cap is kept free even when no metrics port is open (a few dozen).
  const net::OwnDescriptors own{.listening_sockets = config.listeners.size() * (config.io_threads + 1),
                                .io_threads = config.io_threads,
                                .encoder_threads = config.encoder_threads,
                                .metrics_connections = net::HttpServerOptions{}.max_connections};
  const size_t connections = net::connection_capacity(files.soft, own);
  spdlog::info("open files: soft limit {} (was {}), hard limit {}; at most {} connections", files.soft,
               files.soft_before, files.hard, connections);
  return connections;
}

relay::RelayConfig relay_config(const cli::ListenOptions& options, const cli::ListenConfig& listen) {
  relay::RelayConfig config;
  config.address = listen.address;
  const Protocol protocol = options.gelf ? Protocol::kGelf : Protocol::kSyslog;
  const auto& proxied = listen.ports.proxy_protocol;
  const auto add = [&](net::Transport transport, uint16_t port, net::StreamFraming framing) {
    const bool proxy = transport != net::Transport::kUdp && std::ranges::find(proxied, port) != proxied.end();
    // RELP's `syslog` command carries syslog messages, whatever --gelf says of the other ports.
    const Protocol spoken = framing == net::StreamFraming::kRelp ? Protocol::kSyslog : protocol;
    config.listeners.push_back({transport, port, spoken, proxy, proxy ? listen.proxy_from : nullptr, framing});
  };
  for (uint16_t port : listen.ports.udp) add(net::Transport::kUdp, port, net::StreamFraming::kSyslog);
  for (uint16_t port : listen.ports.tcp) add(net::Transport::kTcp, port, net::StreamFraming::kSyslog);
  for (uint16_t port : listen.ports.tls) add(net::Transport::kTls, port, net::StreamFraming::kSyslog);
  for (uint16_t port : listen.ports.relp) add(net::Transport::kTcp, port, net::StreamFraming::kRelp);
  for (uint16_t port : listen.ports.relp_tls) add(net::Transport::kTls, port, net::StreamFraming::kRelp);
  if (!listen.ports.tls.empty() || !listen.ports.relp_tls.empty()) {
    // Unreadable or mismatched files throw TlsConfigError naming the file: exit 78.
    config.tls = std::make_shared<net::TlsContextHolder>(
        net::TlsServerPaths{options.cert, options.key, options.client_ca, options.client_names});
  }
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  config.io_threads = cores;
  config.encoder_threads = cores;
  config.max_message_size = options.max_message_size;
  config.max_partial_bytes = options.max_partial_bytes;
  config.max_connections_per_source = options.max_connections_per_source;
  config.flush_age = std::chrono::duration_cast<std::chrono::milliseconds>(options.flush_age);
  config.flush_size = options.flush_size;
  config.compression_level = options.compression_level;
  config.random_ids = options.random_ids;
  config.pack_records = options.pack_records;
  config.group_prefix = options.group_prefix;
  config.spool_dir = options.spool_dir;
  config.spool_max_bytes = options.spool_max_bytes;
  config.journal_sync = std::chrono::milliseconds(options.journal_sync_ms);
  config.delivery_interval = std::chrono::duration_cast<std::chrono::milliseconds>(options.delivery_interval);
  return config;
}

int run_listen(const cli::ListenOptions& options, const Environment& environment) {
  configure_logging(options.debug);
  // glibc raises its mmap threshold to the largest block freed (a batch of MiBs); past that,
  // freed batches and partial messages stay resident after a burst. A fixed one gives them back.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  if (auto refusal = cli::check_listen_options(options)) {
    spdlog::error("{}", refusal->text);
    return refusal->exit_code;
  }
  for (const std::string& warning : cli::spool_warnings(options.spool_dir)) spdlog::warn("{}", warning);

  // A write to a closed pipe (stderr to a log collector that went away, a peer's socket)
  // must fail with EPIPE, not kill the relay with its batches; libcurl runs with NOSIGNAL.
  signal(SIGPIPE, SIG_IGN);
  // Signals are read by the signal loop below; every thread created from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const Clock& clock = SystemClock::instance();
  try {
    // Before the AWS delivery, whose background thread may request the stop until it is gone.
    relay::StopSignals stop_signals(signals);
    const cli::ListenConfig listen = cli::listen_config(options);
    relay::RelayConfig config = relay_config(options, listen);
    config.max_connections = open_files_for_connections(config);
    // --output-dir writes locally, --kinesis-stream sends to Kinesis Data Streams, otherwise
    // Firehose; the AWS destinations' start-up checks may refuse (78). One destination per
    // stream, in the order given: each gets its own delivery thread.
    const std::vector<std::string> streams = !options.streams.empty() ? options.streams
                                             : !options.kinesis_streams.empty()
                                                 ? options.kinesis_streams
                                                 : std::vector<std::string>{"kinesyslog"};
    std::vector<std::unique_ptr<deliver::OutputDirectoryDestination>> directories;
    std::unique_ptr<deliver::FirehoseDelivery> firehose;
    std::unique_ptr<deliver::KinesisDelivery> kinesis;
    std::vector<deliver::Destination*> destinations;
    if (!options.output_dir.empty()) {
      for (const std::string& stream : streams) {
        directories.push_back(std::make_unique<deliver::OutputDirectoryDestination>(options.output_dir, stream, clock,
                                                                                    random_seed_from_os()));
        destinations.push_back(directories.back().get());
      }
    } else if (!options.kinesis_streams.empty()) {
      const deliver::KinesisSettings settings{options.kinesis_streams, options.region, options.profile,
                                              options.endpoint_url};
      kinesis = std::make_unique<deliver::KinesisDelivery>(settings, environment, clock, random_seed_from_os());
      config.owner = kinesis->owner();
      destinations = kinesis->destinations();
    } else {
      const deliver::FirehoseSettings settings{options.streams, options.region, options.profile, options.endpoint_url};
      firehose = std::make_unique<deliver::FirehoseDelivery>(settings, environment, clock, random_seed_from_os());
      config.owner = firehose->owner();
      destinations = firehose->destinations();
    }
    metrics::RelayMetrics metrics({streams, options.spool_dir}, clock);
    for (size_t stream = 0; stream < streams.size(); ++stream) {
      config.delivery_events.push_back(std::make_shared<relay::DeliveryEventReporter>(metrics, stream));
    }
    std::vector<std::string> described;
    described.reserve(destinations.size());
    for (const deliver::Destination* destination : destinations) described.emplace_back(destination->describe());
    const std::shared_ptr<net::TlsContextHolder> tls = config.tls;
    relay::Relay relay(std::move(config), destinations, clock);
    // Declared after the relay so it stops serving before the relay goes away.
    relay::MetricsEndpoint endpoint(listen.address.ip, listen.address.ipv6_literal, listen.ports.prometheus,
                                    listen.ports.proxy_protocol, metrics, clock);
    relay.start();
    endpoint.start(relay);
    // A definitive refusal that arrives after start (AWS was unreachable at first) stops like SIGTERM, then exits 78.
    const auto on_refused = [&stop_signals](const std::string& message) { stop_signals.request_stop(message); };
    if (firehose) firehose->continue_in_background(on_refused);
    if (kinesis) kinesis->continue_in_background(on_refused);
    const std::string listening = fmt::format(
        "kinesyslog {} listening on {} for {} (UDP {}, TCP {}, TLS {}, RELP {}, RELP/TLS {}, PROXY {}, metrics {}), "
        "delivering to {}",
        KINESYSLOG_VERSION, options.address, options.gelf ? "GELF" : "syslog", fmt::join(listen.ports.udp, ","),
        fmt::join(listen.ports.tcp, ","), fmt::join(listen.ports.tls, ","), fmt::join(listen.ports.relp, ","),
        fmt::join(listen.ports.relp_tls, ","), fmt::join(listen.ports.proxy_protocol, ","),
        fmt::join(listen.ports.prometheus, ","), fmt::join(described, ", "));
    spdlog::info("{}", listening);
    const relay::ServiceNotifier systemd;
    systemd.ready(listening);
    std::atomic<bool> stopping{false};
    // Keeps pinging through the shutdown drain, when the listeners are closed on purpose.
    relay::WatchdogPinger watchdog([&] { return stopping.load() || (relay.listening() && !relay.delivery_stuck()); });
    for (;;) {
      const int signal_number = stop_signals.wait();
      if (signal_number == SIGHUP) {
        reload_tls(tls);
        continue;
      }
      spdlog::info("{}: closing batches and delivering before exit", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    stopping = true;
    systemd.stopping("closing batches and delivering before exit");
    const SteadyTime deadline = clock.steady_now() + kShutdownBudget;
    // libcurl notices an abort about once a second while it waits: calls end a second early.
    if (firehose) firehose->end_calls_at(deadline - std::chrono::seconds(1));
    if (kinesis) kinesis->end_calls_at(deadline - std::chrono::seconds(1));
    relay.stop(deadline);
    endpoint.stop();
    uint64_t received = 0;
    for (const auto& source : relay.readings().traffic) received += source.messages;
    spdlog::info("stopped: {} messages received", received);
    if (const auto refusal = stop_signals.stop_reason()) return config_error(*refusal);
    return cli::kExitOk;
  } catch (const deliver::StartupRefused& error) {
    return config_error(error.what());
  } catch (const net::BindError& error) {
    spdlog::error("{}", error.what());
    return error.error_number() == EACCES || error.error_number() == EPERM ? cli::kExitNoPermission : cli::kExitConfig;
  } catch (const std::exception& error) {
    return config_error(error.what());
  }
}

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
// Clang before 17 deduces no template arguments for an aggregate without a guide (P1816).
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

}  // namespace
}  // namespace kinesyslog

int main(int argc, char** argv) {
  using namespace kinesyslog;
  try {
    const Environment environment = process_environment();
    const auto outcome = cli::parse_command_line(argc, argv, environment);
    return std::visit(Overloaded{
                          [&](const cli::RunListen& listen) { return run_listen(listen.options, environment); },
                          [](const cli::RunDump& dump) { return cli::run_dump(dump.files, stdin, stdout, stderr); },
                          [](const cli::RunInstall& install) {
                            return cli::run_install(install.options, cli::this_system(), stdout, stderr);
                          },
                          [](const cli::PrintAndExit& print) {
                            std::fputs(print.text.c_str(), print.to_stderr() ? stderr : stdout);
                            return print.exit_code;
                          },
                      },
                      outcome);
  } catch (const std::exception& error) {
    // Every command handles the errors it expects; one that escapes is a bug, reported as such.
    std::fprintf(stderr, "kinesyslog: unexpected error: %s\n", error.what());
    return cli::kExitSoftware;
  }
}
