#include "net/gelf_datagrams.hpp"

namespace kinesyslog::net {

void GelfDatagrams::report_losses(IoEvents& events) {
  const auto& seen = chunks_.counters();
  if (const uint64_t lost = seen.incomplete + seen.evicted - incomplete_reported_; lost > 0) {
    events.dropped(IoDrop::kGelfIncomplete, lost);
  }
  if (const uint64_t bad = seen.bad_chunks - bad_chunks_reported_; bad > 0) events.dropped(IoDrop::kGelfInvalid, bad);
  incomplete_reported_ = seen.incomplete + seen.evicted;
  bad_chunks_reported_ = seen.bad_chunks;
}

}  // namespace kinesyslog::net
