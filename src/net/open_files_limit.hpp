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

// What the relay keeps open besides its connections. All but a fixed part grows with the
// core count, which sets the number of I/O and encoder threads.
struct OwnDescriptors {
  size_t listening_sockets = 0;    // one per port and I/O thread (SO_REUSEPORT), and a port claim per port
  size_t io_threads = 0;           // an epoll descriptor and an eventfd each
  size_t encoder_threads = 0;      // a spool file each while it writes
  size_t metrics_connections = 0;  // the metrics endpoint's connection cap
};

// The fixed part: delivery and STS connections, the spool directory and its lock, metrics
// listening sockets, logs.
inline constexpr size_t kFixedReservedDescriptors = 256;

// Every descriptor kept free of connections.
size_t reserved_descriptors(const OwnDescriptors& own);

// How many connections fit in `open_files` besides the reserve; at least half of a small
// limit goes to connections.
size_t connection_capacity(uint64_t open_files, const OwnDescriptors& own);

}  // namespace kinesyslog::net
