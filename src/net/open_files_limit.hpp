#pragma once
// RLIMIT_NOFILE: every connection is a descriptor, and so are spool files, delivery sockets
// and metrics connections. The soft limit is raised to the hard one at start (a service
// manager or shell may leave it at 1024), and connections get what is left after a reserve.
#include <cstddef>
#include <cstdint>

namespace kinesyslog::net {

struct OpenFilesLimit {
  uint64_t soft_before = 0;
  uint64_t soft = 0;  // in force now
  uint64_t hard = 0;
};

// Raises the soft limit to the hard one (or to fs.nr_open when the hard one is unlimited).
OpenFilesLimit raise_open_files_limit();

// Descriptors kept free of connections: spool files (one per encoder), delivery and STS
// connections, metrics connections, the spool directory, logs.
inline constexpr size_t kReservedDescriptors = 256;

// How many connections fit in `open_files` besides `listening_sockets` and the reserve; at
// least half of a small limit goes to connections.
size_t connection_capacity(uint64_t open_files, size_t listening_sockets);

}  // namespace kinesyslog::net
