#include <array>

#include <sys/epoll.h>
#include <unistd.h>

#include "net/io_thread_loop.hpp"

namespace kinesyslog::net {

namespace {

// Shutdown: a connection is read in bigger gulps than while running, as nothing else waits.
constexpr int kDrainReadRounds = 64;
// Shutdown: at the connection limit, connections are served and closed to make room for the
// ones still queued, this many times at most.
constexpr int kDrainAcceptRounds = 16;
// Shutdown: connections are read until none has had anything for this long (a client whose
// connection was just taken from the queue sends right after its connect returned), at most
// kDrainQuietRounds times.
constexpr int kDrainQuietMs = 50;
constexpr int kDrainQuietRounds = 10;

}  // namespace

void IoThread::Loop::drain() {
  accept_queued_connections();
  for (auto& listener : listeners_) {
    if (listener->kind != WatchKind::kUdp) continue;
    for (int guard = 0; guard < 1024 && read_datagrams(*listener, 1); ++guard) {
    }
  }
  count_kernel_drops();
  for (auto& listener : listeners_) listener->fd.reset();  // closing also leaves epoll
  serve_until_quiet();
  finish_relp_sessions();
  serve_and_close_connections();
  sink_.on_stop();
}

void IoThread::Loop::serve_until_quiet() {
  uint64_t wakes = 0;
  (void)!::read(wake_.get(), &wakes, sizeof wakes);  // the stop request: no longer a ready event
  std::array<epoll_event, kMaxEvents> events;
  for (int round = 0; round < kDrainQuietRounds && !connections_.empty(); ++round) {
    const int ready = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, kDrainQuietMs);
    if (ready <= 0) return;
    for (int i = 0; i < ready; ++i) {
      auto* watch = static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr);
      if (watch->kind == WatchKind::kConnection) serve(*static_cast<Connection*>(watch), kDrainReadRounds);
      if (watch->kind == WatchKind::kDurable) read_durable_wake();
    }
    serve_read_again();
    end_round();
  }
}

void IoThread::Loop::accept_queued_connections() {
  for (int round = 0; round < kDrainAcceptRounds; ++round) {
    bool emptied = true;
    for (auto& listener : listeners_) {
      if (listener->kind == WatchKind::kStreamListener && !accept_connections(*listener)) emptied = false;
    }
    if (emptied) return;
    serve_and_close_connections();
  }
}

void IoThread::Loop::serve_and_close_connections() {
  while (!connections_.empty()) {
    auto& connection = *connections_.begin()->second;
    serve(connection, kDrainReadRounds);
    if (connections_.count(&connection) != 0) close_connection(connection);
  }
  sink_.on_round_end();  // what the last reads handed on
}

}  // namespace kinesyslog::net
