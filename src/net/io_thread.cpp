// IoThread's loop: the epoll dispatcher (which socket is ready, what to do with it, the tick),
// reading UDP listeners, and handing messages to the sink. Connections are in
// io_thread_connections.cpp, the shutdown drain in io_thread_drain.cpp.
#include "net/io_thread.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/hash_seed.hpp"
#include "framing/datagram.hpp"
#include "net/io_thread_loop.hpp"
#include "parse/cut_message.hpp"

namespace kinesyslog::net {

namespace {

constexpr size_t kStreamReadSize = 256 * 1024;

}  // namespace

IoThread::Loop::Loop(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock, IoEvents& events,
                     IoThreadConfig config)
    : sink_(sink),
      clock_(clock),
      events_(events),
      config_(std::move(config)),
      limits_(*config_.connection_limits),
      partials_(config_.max_partial_bytes),
      gelf_(config_.gelf_chunks, process_hash_seed()) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!epoll_ || !wake_) throw std::runtime_error(std::string("cannot create epoll/eventfd: ") + std::strerror(errno));
  add(wake_.get(), &wake_watch_);
  if (sink_.durable_wake_fd() >= 0) add(sink_.durable_wake_fd(), &durable_watch_);
  for (auto& bound : listeners) {
    auto watch = std::make_unique<ListenerWatch>();
    watch->kind = is_stream(bound.spec.transport) ? WatchKind::kStreamListener : WatchKind::kUdp;
    watch->spec = bound.spec;
    watch->fd = std::move(bound.fd);
    watch->gauges = bound.gauges;
    add(watch->fd.get(), watch.get());
    listeners_.push_back(std::move(watch));
  }
  stream_buffer_.resize(kStreamReadSize);
}

void IoThread::Loop::request_stop() {
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

void IoThread::Loop::run() {
  events_.loop_started();
  std::array<epoll_event, kMaxEvents> events;
  auto next_tick = clock_.steady_now() + config_.tick;
  bool stopping = false;
  while (!stopping) {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - clock_.steady_now());
    const int wait_ms = read_again_.empty() ? static_cast<int>(std::max<int64_t>(0, timeout.count())) : 0;
    const int ready = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, wait_ms);
    if (ready < 0 && errno != EINTR) {
      spdlog::critical("epoll_wait failed: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < ready; ++i) {
      auto* watch = static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr);
      switch (watch->kind) {
        case WatchKind::kWake:
          stopping = true;
          break;
        case WatchKind::kUdp:
          read_datagrams(*static_cast<ListenerWatch*>(watch), kReadRoundsPerWake);
          break;
        case WatchKind::kStreamListener:
          accept_connections(*static_cast<ListenerWatch*>(watch));
          break;
        case WatchKind::kConnection:
          serve(*static_cast<Connection*>(watch), kReadRoundsPerWake);
          break;
        case WatchKind::kDurable:
          read_durable_wake();
          break;  // end_round answers what became durable
      }
    }
    serve_read_again();
    release_oldest_partials();  // after the batch: closing a connection here cannot touch its events
    end_round();
    const auto now = clock_.steady_now();
    if (now >= next_tick) {
      resume_listeners();
      close_overdue_connections(now);
      gelf_.expire(now, events_);
      count_kernel_drops();
      sink_.on_tick(now);
      next_tick = now + config_.tick;
    }
  }
  drain();
  events_.loop_stopped();
}

void IoThread::Loop::add(int fd, Watch* watch, uint32_t interest) {
  if (!try_add(fd, watch, interest)) {
    throw std::runtime_error(std::string("epoll_ctl failed: ") + std::strerror(errno));
  }
}

bool IoThread::Loop::try_add(int fd, Watch* watch, uint32_t interest) {
  epoll_event event{};
  event.events = interest;
  event.data.ptr = watch;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}

void IoThread::Loop::set_interest(Connection& connection, uint32_t interest) {
  if (connection.interest == interest) return;
  epoll_event event{};
  event.events = interest;
  event.data.ptr = &connection;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.stream.fd(), &event);
  connection.interest = interest;
}

bool IoThread::Loop::read_datagrams(ListenerWatch& listener, int rounds) {
  const bool gelf = listener.spec.protocol == Protocol::kGelf;
  for (int round = 0; round < rounds; ++round) {
    const size_t received = udp_.receive(listener.fd.get());
    if (received == 0) return false;
    const WallTime now = clock_.now();
    const SteadyTime steady_now = clock_.steady_now();
    events_.datagrams_received(received);
    for (size_t i = 0; i < received; ++i) {
      const SourceKey key{udp_.sender(i), listener.spec.port, listener.spec.protocol};
      if (!(key.source == last_udp_source_)) {
        last_udp_source_ = key.source;
        last_udp_source_text_ = key.source.to_string();
      }
      const std::string_view datagram = udp_.datagram(i);
      if (gelf) {
        const auto message = gelf_.take(datagram, key.source, udp_.sender_port(i), steady_now);
        if (message) deliver(key, last_udp_source_text_, *message, false, now);
        continue;
      }
      framing::split_datagram(datagram, config_.max_message_size, [&](std::string_view message, bool truncated) {
        deliver(key, last_udp_source_text_, message, truncated, now);
      });
    }
    if (gelf) gelf_.report_losses(events_);  // once per call, not per datagram
    if (received < UdpReceiver::kDatagramsPerCall) return false;
  }
  return true;
}

void IoThread::Loop::count_kernel_drops() {
  for (auto& listener : listeners_) {
    if (listener->kind != WatchKind::kUdp) continue;
    const std::optional<uint32_t> total = kernel_drop_total(listener->fd.get());
    if (!total) continue;
    if (const uint64_t dropped = listener->kernel_drops.take(*total); dropped > 0) {
      events_.dropped(IoDrop::kUdpOverflow, dropped);
    }
  }
}

void IoThread::Loop::deliver(const SourceKey& key, std::string_view source_text, std::string_view message,
                             bool truncated, WallTime received) {
  if (truncated && !parse::cut_message_is_kept(key.protocol)) {
    events_.dropped(IoDrop::kGelfInvalid, 1);
    return;
  }
  if (truncated) events_.dropped(IoDrop::kTruncated, 1);
  sink_.on_message(key, source_text, message, received);
}

IoThread::IoThread(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock, IoEvents& events,
                   IoThreadConfig config)
    : loop_(std::make_unique<Loop>(std::move(listeners), sink, clock, events, std::move(config))) {}

IoThread::~IoThread() {
  if (thread_.joinable()) {
    request_stop();
    thread_.join();
  }
}

void IoThread::start() {
  thread_ = std::thread([this] { loop_->run(); });
}

void IoThread::request_stop() { loop_->request_stop(); }

void IoThread::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace kinesyslog::net
