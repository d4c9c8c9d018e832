#include "net/port_claim.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>

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

class ClaimRegistry {
 public:
  static ClaimRegistry& instance() {
    static ClaimRegistry registry;  // lives until exit, as the claims do
    return registry;
  }

  void claim(const std::string& name, const std::string& where) {
    std::lock_guard lock(mutex_);
    if (held_.contains(name)) return;
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

 private:
  std::mutex mutex_;
  std::map<std::string, UniqueFd, std::less<>> held_;
};

}  // namespace

std::string port_claim_name(std::string_view protocol, const IpAddress& address, uint16_t port) {
  return fmt::format("kinesyslog/{}/{}/{}", protocol, address.to_string(), port);
}

void claim_port(std::string_view protocol, const IpAddress& address, uint16_t port, const std::string& where) {
  ClaimRegistry::instance().claim(port_claim_name(protocol, address, port), where);
}

}  // namespace kinesyslog::net
