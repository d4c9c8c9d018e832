#pragma once
// Every `kinesyslog listen` option of docs/behaviour.md §1.2 with its default, as parsed from the command
// line and the KINESYSLOG_* environment; checked by validate() before anything starts.
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::cli {

inline constexpr int kDefaultTlsPort = 6514;  // RFC 5425 §4.1

struct ListenOptions {
  // Firehose delivery streams (repeatable); required unless output_dir. A record goes to one of
  // them by a fixed hash of its (source, port).
  std::vector<std::string> streams;
  std::string address = "0.0.0.0";  // bind address, an IPv4 or IPv6 literal
  std::vector<int> udp_ports;       // ports as given, 0s dropped; validate() checks the range
  std::vector<int> tcp_ports;
  std::vector<int> tls_ports{kDefaultTlsPort};  // only listened on with cert and key: see effective_tls_ports()
  std::string cert;                             // PEM certificate chain for the TLS ports
  std::string key;                              // PEM private key for the TLS ports
  std::vector<int> relp_ports;                  // RELP listener ports (ours)
  std::vector<int> relp_tls_ports;              // RELP over TLS, with cert, key and client_ca as the TLS ports (ours)
  std::vector<int> proxy_protocol_ports;        // TCP/TLS/RELP ports that require a PROXY v1/v2 header
  std::vector<std::string> proxy_from;          // ranges whose PROXY header is honoured; empty: any peer (ours)
  std::vector<int> prometheus_ports;            // HTTP ports serving /metrics and /health
  std::string spool_dir;                        // parse_command_line fills in default_spool_dir() unless given
  uint64_t spool_max_bytes = 0;                 // cap on record bytes waiting in the spool; 0: no cap (ours)
  uint64_t journal_sync_ms = 50;                // write-ahead journal sync interval; 0: no journal (ours)
  std::string region;
  std::string profile;
  bool gelf = false;  // the ports speak GELF instead of syslog
  std::string group_prefix = "/kinesyslog";
  bool debug = false;
  bool debug_asyncio = false;                     // accepted for compatibility with the original; no effect
  std::string output_dir;                         // deliver into this directory instead of Firehose
  std::string endpoint_url;                       // Firehose endpoint override; AWS_ENDPOINT_URL* are read by aws
  std::vector<std::string> kinesis_streams;       // Kinesis Data Streams instead of Firehose (ours)
  std::chrono::duration<double> flush_age{60.0};  // max age of an open batch
  uint64_t flush_size = 4194304;                  // raw message bytes that close a batch
  std::chrono::duration<double> delivery_interval{60.0};  // how often waiting records are sent
  uint64_t max_message_size = 65536;                      // longer messages are truncated
  uint64_t max_partial_bytes = 64 * 1024 * 1024;          // unfinished messages held for all peers (ours)
  uint64_t max_connections_per_source = 1000;             // open connections from one address (ours)
  std::string client_ca;                                  // CA bundle that client certificates must chain to
  std::vector<std::string> client_names;                  // a client certificate must carry one as CN or DNS SAN (ours)
  int compression_level = 6;                              // libdeflate gzip level 1-12
  bool random_ids = false;                                // fully random 56-digit ids, as the original
  bool pack_records = false;                              // several spool records per Firehose record (ours)

  // Long names (without "--", e.g. "tls-port") set on the command line or in the environment,
  // so the relay can tell a default from a request (the TLS default port rule).
  std::set<std::string, std::less<>> given;

  bool was_given(std::string_view long_option) const { return given.find(long_option) != given.end(); }
};

// `kinesyslog install [--user NAME] [--system-dir DIR]`.
struct InstallOptions {
  std::string user;  // empty: leave User= commented out
  std::string system_dir = "/etc/systemd/system";
  std::string package_files_dir;  // set: write the Debian package's unit and environment file there instead
};

}  // namespace kinesyslog::cli
