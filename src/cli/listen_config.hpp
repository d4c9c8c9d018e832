#pragma once
// `listen` options once validated, in the types the relay is built from: the bind address
// parsed, the listening ports as numbers per protocol, the PROXY peers as ranges. Built once,
// after check_listen_options(), and handed on.
#include <cstdint>
#include <memory>
#include <vector>

#include "cli/listen_options.hpp"
#include "core/bind_address.hpp"
#include "net/trusted_proxies.hpp"

namespace kinesyslog::cli {

// The ports that are listened on, 0s dropped.
struct ListenPorts {
  std::vector<uint16_t> udp;
  std::vector<uint16_t> tcp;
  std::vector<uint16_t> tls;  // none without --cert and --key (see effective_tls_ports)
  std::vector<uint16_t> relp;
  std::vector<uint16_t> relp_tls;
  std::vector<uint16_t> proxy_protocol;  // TCP, TLS or metrics ports that require a PROXY header
  std::vector<uint16_t> prometheus;
};

// The ports of options whose port lists passed validate()'s range checks.
ListenPorts listen_ports(const ListenOptions& options);

struct ListenConfig {
  BindAddress address;
  ListenPorts ports;
  std::shared_ptr<const net::TrustedProxies> proxy_from;  // null: any peer's PROXY header is honoured
};

// `options` must have passed check_listen_options().
ListenConfig listen_config(const ListenOptions& options);

}  // namespace kinesyslog::cli
