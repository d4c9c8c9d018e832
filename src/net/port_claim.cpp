#include "net/port_claim.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <string_view>
#include <vector>

#include "core/unique_fd.hpp"
#include "net/listener.hpp"

namespace kinesyslog::net {
namespace {

// Connections a refused relay makes to read the holder's credentials; they are never
// accepted, and past this many the holder is reported without its pid.
constexpr int kClaimBacklog = 64;

struct AbstractAddress {
  sockaddr_un address{};
  socklen_t length = 0;
};

AbstractAddress abstract_address(const std::string& name) {
  AbstractAddress result;
  result.address.sun_family = AF_UNIX;
  // A leading NUL puts the name in the abstract namespace (unix(7)): no file is created.
  const size_t size = std::min(name.size(), sizeof result.address.sun_path - 1);
  std::memcpy(result.address.sun_path + 1, name.data(), size);
  result.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + size);
  return result;
}

// The credentials of the process listening on the name, when it answers.
std::optional<ucred> holder_of(const AbstractAddress& name) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe || ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&name.address), name.length) != 0) {
    return std::nullopt;
  }
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(probe.get(), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return std::nullopt;
  return credentials;
}

// The abstract Unix socket names bound in this network namespace that start with `prefix`
// (unix(7): /proc/net/unix shows them with '@' for the leading NUL, as the last field).
std::vector<std::string> abstract_names_with_prefix(std::string_view prefix) {
  std::vector<std::string> names;
  std::ifstream table("/proc/net/unix");
  std::string line;
  while (std::getline(table, line)) {
    const size_t last_field = line.find_last_of(' ');
    const std::string_view path = std::string_view(line).substr(last_field == std::string::npos ? 0 : last_field + 1);
    if (path.size() > prefix.size() && path[0] == '@' && path.substr(1, prefix.size()) == prefix) {
      names.emplace_back(path.substr(1));
    }
  }
  return names;
}

// Whether sockets bound to `a` and `b` on one port share traffic: the same address, or a
// wildcard and an address it covers ("::" is dual-stack here, so it covers IPv4 as well).
bool addresses_overlap(const IpAddress& a, const IpAddress& b) {
  static const IpAddress any6 = *IpAddress::parse("::");
  static const IpAddress any4 = *IpAddress::parse("0.0.0.0");
  if (a == b || a == any6 || b == any6) return true;
  return (a == any4 && b.is_v4()) || (b == any4 && a.is_v4());
}

class ClaimRegistry {
 public:
  static ClaimRegistry& instance() {
    static ClaimRegistry registry;  // lives until exit, as the claims do
    return registry;
  }

  void claim(std::string_view protocol, const IpAddress& address, uint16_t port, const std::string& where) {
    std::lock_guard lock(mutex_);
    const std::string name = port_claim_name(protocol, address, port);
    if (held_.contains(name)) return;
    take(name, where);
    refuse_overlapping(protocol, address, port, where);
  }

 private:
  void take(const std::string& name, const std::string& where) {
    const AbstractAddress address = abstract_address(name);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.address), address.length) == 0 &&
        ::listen(fd.get(), kClaimBacklog) == 0) {
      held_.emplace(name, std::move(fd));
      return;
    }
    if (errno != EADDRINUSE) {
      // A sandbox without AF_UNIX: the claim only protects against a mistake, so it must not stop the relay.
      spdlog::warn("{}: cannot claim it for this relay ({}); a second kinesyslog on it would not be refused", where,
                   std::strerror(errno));
      return;
    }
    const std::optional<ucred> holder = holder_of(address);
    if (holder && holder->uid != ::geteuid()) {
      spdlog::warn("{}: a process of uid {} (pid {}) holds kinesyslog's claim on it; ignored, since the kernel "
                   "keeps other users off a port we bind", where, holder->uid, holder->pid);
      return;
    }
    throw BindError(fmt::format("cannot listen on {}: another kinesyslog ({}) serves it; give each relay its own "
                                "ports", where, holder ? fmt::format("pid {}", holder->pid) : "pid unknown"),
                    EADDRINUSE);
  }

  // A wildcard and one of its addresses have different names, yet SO_REUSEPORT lets both
  // bind and the more specific socket silently takes its share of the traffic.
  void refuse_overlapping(std::string_view protocol, const IpAddress& address, uint16_t port,
                          const std::string& where) {
    const std::string prefix = fmt::format("kinesyslog/{}/", protocol);
    const std::string suffix = fmt::format("/{}", port);
    for (const std::string& other : abstract_names_with_prefix(prefix)) {
      if (held_.contains(other) || !other.ends_with(suffix)) continue;
      const std::string text = other.substr(prefix.size(), other.size() - prefix.size() - suffix.size());
      const std::optional<IpAddress> other_address = IpAddress::parse(text);
      if (!other_address || !addresses_overlap(address, *other_address)) continue;
      const std::optional<ucred> holder = holder_of(abstract_address(other));
      if (!holder || holder->uid != ::geteuid() || holder->pid == ::getpid()) continue;
      throw BindError(fmt::format("cannot listen on {}: another kinesyslog (pid {}) serves the port on {}; give each "
                                  "relay its own ports", where, holder->pid, text),
                      EADDRINUSE);
    }
  }

  std::mutex mutex_;
  std::map<std::string, UniqueFd, std::less<>> held_;
};

}  // namespace

std::string port_claim_name(std::string_view protocol, const IpAddress& address, uint16_t port) {
  return fmt::format("kinesyslog/{}/{}/{}", protocol, address.to_string(), port);
}

void claim_port(std::string_view protocol, const IpAddress& address, uint16_t port, const std::string& where) {
  ClaimRegistry::instance().claim(protocol, address, port, where);
}

}  // namespace kinesyslog::net
