#include "net/open_files_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <limits>

namespace kinesyslog::net {

namespace {

// The kernel refuses a soft limit above fs.nr_open, and RLIM_INFINITY is always above it.
uint64_t kernel_maximum() {
  std::ifstream nr_open("/proc/sys/fs/nr_open");
  uint64_t maximum = 0;
  if (nr_open >> maximum && maximum > 0) return maximum;
  return 1 << 20;  // the kernel's default
}

}  // namespace

OpenFilesLimit raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  OpenFilesLimit result{limit.rlim_cur, limit.rlim_cur, limit.rlim_max};
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kernel_maximum() : limit.rlim_max;
  if (wanted > limit.rlim_cur) {
    limit.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) result.soft = wanted;
  }
  return result;
}

size_t reserved_descriptors(const OwnDescriptors& own) {
  return kFixedReservedDescriptors + own.listening_sockets + 2 * own.io_threads + own.encoder_threads +
         own.metrics_connections;
}

size_t connection_capacity(uint64_t open_files, const OwnDescriptors& own) {
  const uint64_t capped = std::min<uint64_t>(open_files, std::numeric_limits<size_t>::max());
  const uint64_t kept = reserved_descriptors(own);
  const uint64_t half = capped / 2;
  return static_cast<size_t>(capped > kept + half ? capped - kept : half);
}

}  // namespace kinesyslog::net
