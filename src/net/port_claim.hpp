#pragma once
// One relay per port. Every I/O thread binds its own socket with SO_REUSEPORT, which also
// lets a second kinesyslog of the same user bind the port and silently take part of the
// traffic. Before binding, a process claims (protocol, address, port); the sockets of one
// process share its claim, another process is refused.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_address.hpp"

namespace kinesyslog::net {

// The claim's name: an abstract-namespace Unix socket. Chosen over a lock file because the
// kernel drops it when the process dies (even by SIGKILL), it needs no writable directory,
// and it is scoped to the network namespace exactly as the port is (a relay in another
// container may use the same port).
std::string port_claim_name(std::string_view protocol, const IpAddress& address, uint16_t port);

// Claims the name for this process until it exits (a no-op when this process holds it
// already). Throws BindError (EADDRINUSE) naming `where` and the holder's pid when another
// process of our user holds it, or holds the port on an overlapping address (0.0.0.0 or ::
// and a specific address). A holder of another user is ignored with a warning: it
// cannot share our port anyway (SO_REUSEPORT requires the same effective uid), so it must
// not be able to keep the relay from starting by squatting on the name. When no claim can be
// made at all (no AF_UNIX in a sandbox), a warning is logged and the relay goes on.
void claim_port(std::string_view protocol, const IpAddress& address, uint16_t port, const std::string& where);

}  // namespace kinesyslog::net
