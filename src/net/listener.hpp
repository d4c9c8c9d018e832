#pragma once
// Listening sockets. Every I/O thread opens its own socket per port with SO_REUSEPORT
// (docs/architecture.md#threads), so the kernel spreads UDP senders and TCP connections across
// threads without a shared lock.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "core/source_key.hpp"
#include "core/unique_fd.hpp"
#include "net/trusted_proxies.hpp"

namespace kinesyslog::net {

enum class Transport : uint8_t { kUdp, kTcp, kTls };

constexpr const char* transport_name(Transport transport) {
  return transport == Transport::kUdp ? "UDP" : transport == Transport::kTcp ? "TCP" : "TLS";
}

constexpr bool is_stream(Transport transport) { return transport != Transport::kUdp; }

struct ListenerSpec;
// "RELP" or "RELP/TLS" for a RELP listener, else its transport's name (for log lines).
const char* listener_kind(const ListenerSpec& spec);

// How a stream listener's bytes are cut into messages.
enum class StreamFraming : uint8_t {
  kSyslog,  // RFC 6587 octet counting, or non-transparent framing
  kRelp,    // RELP frames, each acknowledged once its message is durable
};

struct ListenerSpec {
  Transport transport = Transport::kTcp;
  uint16_t port = 0;
  Protocol protocol = Protocol::kSyslog;
  bool proxy_protocol = false;  // a PROXY v1/v2 header must open every connection (before TLS)
  // --proxy-from: the peers whose PROXY header is honoured (others are closed at accept); null:
  // any peer (shared by the threads).
  std::shared_ptr<const TrustedProxies> proxy_from{};
  StreamFraming framing = StreamFraming::kSyslog;  // stream transports only
};

// A socket could not be bound; `error_number` tells permission (EACCES) from in-use.
class BindError : public std::runtime_error {
 public:
  BindError(const std::string& message, int error_number) : std::runtime_error(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// Opens, binds and (for TCP) listens; non-blocking, SO_REUSEPORT, dual-stack when the
// address is "::". Throws BindError with a message naming the address, port and cause,
// also when another kinesyslog serves the port already (see port_claim.hpp).
UniqueFd open_listener(const IpAddress& address, bool ipv6_literal, const ListenerSpec& spec);

// One socket per (thread, spec): sockets[thread][spec index].
std::vector<std::vector<UniqueFd>> open_listeners(const IpAddress& address, bool ipv6_literal,
                                                  const std::vector<ListenerSpec>& specs, size_t threads);

}  // namespace kinesyslog::net
