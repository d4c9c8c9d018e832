#include "relay/stream_loops.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "core/random_seed.hpp"
#include "deliver/stream_assignment.hpp"

namespace kinesyslog::relay {

StreamLoops::StreamLoops(spool::Spool& spool, std::span<deliver::Destination* const> destinations, const Clock& clock,
                         const deliver::DeliveryOptions& options,
                         const std::vector<std::shared_ptr<deliver::DeliveryEvents>>& events) {
  if (destinations.empty()) throw std::invalid_argument("delivery: no destination");
  const std::vector<spool::SpoolFile> scanned = spool.scan();
  for (size_t stream = 0; stream < destinations.size(); ++stream) {
    deliver::DeliveryOptions loop_options = options;
    loop_options.share = deliver::StreamShare{stream, destinations.size()};
    loop_options.events = stream < events.size() ? events[stream] : nullptr;
    loops_.push_back(std::make_unique<deliver::DeliveryLoop>(spool, *destinations[stream], clock, loop_options,
                                                             random_seed_from_os(), scanned));
  }
}

StreamLoops::~StreamLoops() { stop_threads(); }

void StreamLoops::notify_published(const spool::SpoolFile& file, WallTime first_received) {
  loops_[deliver::stream_of(file, loops_.size())]->notify_published(file, first_received);
}

void StreamLoops::start() {
  for (auto& loop : loops_) {
    threads_.emplace_back([&loop = *loop](std::stop_token stop) { loop.run(std::move(stop)); });
  }
}

void StreamLoops::stop_threads() {
  for (auto& thread : threads_) thread.request_stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

bool StreamLoops::drain(SteadyTime deadline) {
  std::atomic<bool> all_drained{true};
  {
    std::vector<std::jthread> drainers;
    for (size_t stream = 1; stream < loops_.size(); ++stream) {
      drainers.emplace_back([&, stream] {
        if (!loops_[stream]->drain(deadline)) all_drained = false;
      });
    }
    if (!loops_[0]->drain(deadline)) all_drained = false;
  }  // joins the others: each ends by the deadline
  return all_drained;
}

bool StreamLoops::stalled() const {
  return std::any_of(loops_.begin(), loops_.end(), [](const auto& loop) { return loop->stalled(); });
}

std::chrono::nanoseconds StreamLoops::oldest_waiting_age() const {
  std::chrono::nanoseconds oldest{0};
  for (const auto& loop : loops_) oldest = std::max(oldest, loop->oldest_waiting_age());
  return oldest;
}

}  // namespace kinesyslog::relay
