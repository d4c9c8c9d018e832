#include "cli/listen_config.hpp"

#include "cli/validate.hpp"

namespace kinesyslog::cli {

ListenPorts listen_ports(const ListenOptions& options) {
  return ListenPorts{.udp = enabled_ports(options.udp_ports),
                     .tcp = enabled_ports(options.tcp_ports),
                     .tls = effective_tls_ports(options),
                     .relp = enabled_ports(options.relp_ports),
                     .relp_tls = enabled_ports(options.relp_tls_ports),
                     .proxy_protocol = enabled_ports(options.proxy_protocol_ports),
                     .prometheus = enabled_ports(options.prometheus_ports)};
}

ListenConfig listen_config(const ListenOptions& options) {
  ListenConfig config{
      .address = *BindAddress::parse(options.address), .ports = listen_ports(options), .proxy_from = {}};
  if (!options.proxy_from.empty()) {
    config.proxy_from = std::make_shared<const net::TrustedProxies>(*net::TrustedProxies::parse(options.proxy_from));
  }
  return config;
}

}  // namespace kinesyslog::cli
