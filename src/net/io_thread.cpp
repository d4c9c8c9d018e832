#include "net/io_thread.hpp"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <string>

#include "core/hash_seed.hpp"
#include "framing/datagram.hpp"
#include "net/io_thread_loop.hpp"

namespace kinesyslog::net {

namespace {

constexpr size_t kDatagramsPerCall = 32;
constexpr size_t kDatagramBufferSize = 65536;  // the largest UDP payload fits
constexpr size_t kStreamReadSize = 256 * 1024;
// Bounded work per wake-up per socket, so one busy sender cannot starve the others.
constexpr int kReadRoundsPerWake = 8;

bool out_of_descriptors(int error) { return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM; }

uint16_t sender_port(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return 0;
}

}  // namespace

IoThread::Loop::Loop(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock,
                     metrics::RelayCounters& counters, IoThreadConfig config)
    : sink_(sink),
      clock_(clock),
      counters_(counters),
      config_(std::move(config)),
      accept_errors_(clock),
      refusals_(clock),
      limits_(*config_.connection_limits),
      partials_(config_.max_partial_bytes),
      gelf_chunks_(config_.gelf_chunks, process_hash_seed()) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!epoll_ || !wake_) throw std::runtime_error(std::string("cannot create epoll/eventfd: ") + std::strerror(errno));
  add(wake_.get(), &wake_watch_);
  for (auto& bound : listeners) {
    auto watch = std::make_unique<ListenerWatch>();
    watch->kind = is_stream(bound.spec.transport) ? WatchKind::kStreamListener : WatchKind::kUdp;
    watch->spec = bound.spec;
    watch->fd = std::move(bound.fd);
    watch->gauges = bound.gauges;
    add(watch->fd.get(), watch.get());
    listeners_.push_back(std::move(watch));
  }
  datagrams_.resize(kDatagramsPerCall * kDatagramBufferSize);
  stream_buffer_.resize(kStreamReadSize);
}

void IoThread::Loop::request_stop() {
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

void IoThread::Loop::run() {
  counters_.io_threads_running.fetch_add(1);
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
        case WatchKind::kWake: stopping = true; break;
        case WatchKind::kUdp: read_datagrams(*static_cast<ListenerWatch*>(watch), kReadRoundsPerWake); break;
        case WatchKind::kStreamListener: accept_connections(*static_cast<ListenerWatch*>(watch)); break;
        case WatchKind::kConnection: serve(*static_cast<Connection*>(watch), kReadRoundsPerWake); break;
      }
    }
    serve_read_again();
    release_oldest_partials();  // after the batch: closing a connection here cannot touch its events
    const auto now = clock_.steady_now();
    if (now >= next_tick) {
      resume_listeners();
      close_overdue_connections(now);
      expire_gelf_chunks(now);
      count_kernel_drops();
      sink_.on_tick(now);
      next_tick = now + config_.tick;
    }
  }
  drain();
  counters_.io_threads_running.fetch_sub(1);
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

void IoThread::Loop::set_interest(Connection& connection, bool writable) {
  if (connection.waiting_writable == writable) return;
  epoll_event event{};
  event.events = writable ? EPOLLOUT : EPOLLIN;
  event.data.ptr = &connection;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.stream.fd(), &event);
  connection.waiting_writable = writable;
}

bool IoThread::Loop::read_datagrams(ListenerWatch& listener, int rounds) {
  std::array<mmsghdr, kDatagramsPerCall> headers{};
  std::array<iovec, kDatagramsPerCall> vectors{};
  std::array<sockaddr_storage, kDatagramsPerCall> addresses{};
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < kDatagramsPerCall; ++i) {
      vectors[i] = {datagrams_.data() + i * kDatagramBufferSize, kDatagramBufferSize};
      headers[i] = {};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &addresses[i];
      headers[i].msg_hdr.msg_namelen = sizeof addresses[i];
    }
    const int received = ::recvmmsg(listener.fd.get(), headers.data(), kDatagramsPerCall, MSG_DONTWAIT, nullptr);
    if (received <= 0) return false;
    const WallTime now = clock_.now();
    const SteadyTime steady_now = clock_.steady_now();
    counters_.udp_datagrams.fetch_add(static_cast<uint64_t>(received), std::memory_order_relaxed);
    for (size_t i = 0; i < static_cast<size_t>(received); ++i) {
      const SourceKey key{IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&addresses[i])),
                          listener.spec.port, listener.spec.protocol};
      if (!(key.source == last_udp_source_)) {
        last_udp_source_ = key.source;
        last_udp_source_text_ = key.source.to_string();
      }
      const std::string_view datagram(datagrams_.data() + i * kDatagramBufferSize, headers[i].msg_len);
      if (listener.spec.protocol == Protocol::kGelf) {
        take_gelf_datagram(key, sender_port(addresses[i]), datagram, now, steady_now);
        continue;
      }
      framing::split_datagram(datagram, config_.max_message_size, [&](std::string_view message, bool truncated) {
        deliver(key, last_udp_source_text_, message, truncated, now);
      });
    }
    if (listener.spec.protocol == Protocol::kGelf) count_gelf_chunk_losses();  // once per call, not per datagram
    if (static_cast<size_t>(received) < kDatagramsPerCall) return false;
  }
  return true;
}

void IoThread::Loop::take_gelf_datagram(const SourceKey& key, uint16_t port, std::string_view datagram, WallTime now,
                                        SteadyTime steady_now) {
  const auto message = gelf_chunks_.accept(datagram, key.source, port, steady_now);
  if (message) deliver(key, last_udp_source_text_, *message, false, now);
}

void IoThread::Loop::expire_gelf_chunks(SteadyTime now) {
  gelf_chunks_.expire(now);
  count_gelf_chunk_losses();
}

void IoThread::Loop::count_gelf_chunk_losses() {
  const auto& seen = gelf_chunks_.counters();
  if (const uint64_t lost = seen.incomplete + seen.evicted - gelf_incomplete_counted_; lost > 0) {
    counters_.count_drop(metrics::DropReason::kGelfIncomplete, lost);
  }
  if (const uint64_t bad = seen.bad_chunks - gelf_bad_chunks_counted_; bad > 0) {
    counters_.count_drop(metrics::DropReason::kGelfInvalid, bad);
  }
  gelf_incomplete_counted_ = seen.incomplete + seen.evicted;
  gelf_bad_chunks_counted_ = seen.bad_chunks;
}

void IoThread::Loop::count_kernel_drops() {
  for (auto& listener : listeners_) {
    if (listener->kind != WatchKind::kUdp) continue;
    std::array<uint32_t, SK_MEMINFO_VARS> meminfo{};
    socklen_t length = sizeof meminfo;
    if (::getsockopt(listener->fd.get(), SOL_SOCKET, SO_MEMINFO, meminfo.data(), &length) != 0) continue;
    if (const uint64_t dropped = listener->kernel_drops.take(meminfo[SK_MEMINFO_DROPS]); dropped > 0) {
      counters_.count_drop(metrics::DropReason::kUdpOverflow, dropped);
    }
  }
}

bool IoThread::Loop::accept_connections(ListenerWatch& listener) {
  for (;;) {
    if (!limits_.take_slot()) {
      accept_errors_.log(spdlog::level::warn, "connection limit",
                         "{} connections are open, all the open-files limit allows besides a reserve; new "
                         "connections wait in the kernel's queue",
                         limits_.max_total());
      pause(listener);
      return false;
    }
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&address), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      limits_.give_back_slot();
      if (error == EAGAIN || error == EWOULDBLOCK) return true;
      if (error == EINTR || error == ECONNABORTED) continue;
      accept_errors_.log(spdlog::level::err, std::strerror(error), "cannot accept on {} port {}: {}{}",
                         transport_name(listener.spec.transport), listener.spec.port, std::strerror(error),
                         out_of_descriptors(error) ? " (raise the open-files limit); waiting before the next try" : "");
      pause(listener);
      return false;
    }
    UniqueFd socket(fd);
    const SourceKey key{IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address)), listener.spec.port,
                        listener.spec.protocol};
    if (!admit(listener, key.source)) {
      limits_.give_back_slot();
      continue;  // closed by `socket` going out of scope
    }
    std::shared_ptr<const TlsServerContext> tls;
    if (listener.spec.transport == Transport::kTls) tls = config_.tls->current();
    auto connection = std::make_unique<Connection>(
        listener,
        StreamConnection(std::move(socket), listener.spec, key, config_.max_message_size, std::move(tls),
                         clock_.steady_now()),
        key.source, counted_per_source(listener));
    if (!try_add(connection->stream.fd(), connection.get())) {  // ENOMEM, or fs.epoll.max_user_watches reached
      accept_errors_.log(spdlog::level::err, "epoll_ctl", "cannot watch a connection on {} port {}: {}",
                         transport_name(listener.spec.transport), listener.spec.port, std::strerror(errno));
      if (connection->counted_per_source) limits_.release_source(key.source);
      limits_.give_back_slot();
      pause(listener);
      return false;  // the connection is closed as it goes out of scope
    }
    if (listener.gauges != nullptr) listener.gauges->open_connections.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("connection from {} on {} port {}", connection->stream.source_text(),
                  transport_name(listener.spec.transport), listener.spec.port);
    connections_.emplace(connection.get(), std::move(connection));
  }
}

bool IoThread::Loop::admit(const ListenerWatch& listener, const IpAddress& peer) {
  if (listener.spec.proxy_from && !listener.spec.proxy_from->allows(peer)) {
    // At accept, before it sends anything: kept open, an unlisted peer would hold a slot that
    // no per-source cap bounds until the PROXY header's deadline.
    counters_.count_drop(metrics::DropReason::kBadProxyHeader);
    refusals_.log(spdlog::level::warn, "bad PROXY header",
                  "closed the connection from {} on port {}: not a --proxy-from address, so its PROXY header is "
                  "not honoured",
                  peer.to_string(), listener.spec.port);
    return false;
  }
  if (listener.gauges != nullptr &&
      listener.gauges->open_connections.load(std::memory_order_relaxed) >= config_.max_connections_per_listener) {
    refuse(listener, peer, "connections open on this port", static_cast<uint64_t>(config_.max_connections_per_listener));
    return false;
  }
  if (counted_per_source(listener) && !limits_.admit_source(peer)) {
    refuse(listener, peer, "connections open from this address (--max-connections-per-source)",
           limits_.max_per_source());
    return false;
  }
  return true;
}

void IoThread::Loop::refuse(const ListenerWatch& listener, const IpAddress& peer, std::string_view limit,
                            uint64_t cap) {
  counters_.connections_refused.fetch_add(1, std::memory_order_relaxed);
  refusals_.log(spdlog::level::warn, limit, "refused a connection from {} on {} port {}: {} {}", peer.to_string(),
                transport_name(listener.spec.transport), listener.spec.port, cap, limit);
}

void IoThread::Loop::pause(ListenerWatch& listener) {
  if (listener.paused) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener.fd.get(), nullptr);
  listener.paused = true;
  ++paused_listeners_;
}

void IoThread::Loop::resume_listeners() {
  if (paused_listeners_ == 0) return;
  for (auto& listener : listeners_) {
    if (!listener->paused || !listener->fd || limits_.full()) continue;  // closed: shutting down
    if (!try_add(listener->fd.get(), listener.get())) continue;  // tried again at the next tick
    listener->paused = false;
    --paused_listeners_;
  }
}

void IoThread::Loop::serve(Connection& connection, int rounds) {
  const WallTime received = clock_.now();
  const auto outcome = connection.stream.on_ready(
      stream_buffer_, rounds, clock_.steady_now(), [&](std::string_view message, bool truncated) {
        deliver(connection.stream.key(), connection.stream.source_text(), message, truncated, received);
      });
  count_bad_frames(connection);
  partials_.update(connection, connection.stream.held_bytes(), connection.stream.held_serial());
  switch (outcome) {
    case StreamConnection::Outcome::kWaitReadable: set_interest(connection, false); return;
    case StreamConnection::Outcome::kWaitWritable: set_interest(connection, true); return;
    case StreamConnection::Outcome::kReadAgain: read_again_.push_back(&connection); return;
    case StreamConnection::Outcome::kClosed: close_connection(connection); return;
    case StreamConnection::Outcome::kBadProxyHeader:
      counters_.count_drop(metrics::DropReason::kBadProxyHeader);
      refusals_.log(spdlog::level::warn, "bad PROXY header", "closed the connection from {} on port {}: {}",
                    connection.stream.source_text(), connection.listener.spec.port, connection.stream.failure());
      close_connection(connection);
      return;
    case StreamConnection::Outcome::kTlsFailed:
      counters_.count_drop(metrics::DropReason::kTlsRefused);
      // Rate-limited per reason, not for all handshakes together: a client without a
      // certificate must not hide, for a minute, the one whose CA is wrong or whose TLS is
      // too old. OpenSSL's reasons are a small fixed set, so the causes stay few.
      refusals_.log(spdlog::level::warn, "TLS handshake: " + connection.stream.failure(),
                    "TLS handshake with {} on port {} failed: {}", connection.stream.source_text(),
                    connection.listener.spec.port, connection.stream.failure());
      close_connection(connection);
      return;
  }
}

void IoThread::Loop::count_bad_frames(Connection& connection) {
  const uint64_t bad_frames = connection.stream.take_bad_frames();
  if (bad_frames == 0) return;
  counters_.count_drop(metrics::DropReason::kBadFrame, bad_frames);
  refusals_.log(spdlog::level::warn, "bad frame", "skipped {} empty octet-counted frame(s) (\"0 \") from {} on port {}",
                bad_frames, connection.stream.source_text(), connection.listener.spec.port);
}

void IoThread::Loop::release_oldest_partials() {
  uint64_t released = 0;
  while (PartialBudget::Slot* oldest = partials_.oldest_over_limit()) {
    auto& connection = static_cast<Connection&>(*oldest);
    if (connection.stream.phase() == StreamConnection::Phase::kProxyHeader) {
      counters_.count_drop(metrics::DropReason::kBadProxyHeader);
      refusals_.log(spdlog::level::warn, "PROXY header over the partial budget",
                    "closed the connection from {} on port {}: its PROXY header was still arriving when the "
                    "partial-message budget was used up",
                    connection.stream.source_text(), connection.listener.spec.port);
      close_connection(connection);
      continue;
    }
    const WallTime now = clock_.now();
    connection.stream.release_partial([&](std::string_view message, bool truncated) {
      deliver(connection.stream.key(), connection.stream.source_text(), message, truncated, now);
    });
    partials_.remove(connection);
    ++released;
  }
  if (released > 0) {
    refusals_.log(spdlog::level::warn, "partial budget",
                  "held messages reached this thread's {} bytes of --max-partial-bytes: handed on the {} oldest "
                  "cut short (truncated)",
                  partials_.limit_bytes(), released);
  }
}

void IoThread::Loop::serve_read_again() {
  std::vector<Connection*> pending;
  pending.swap(read_again_);
  for (Connection* connection : pending) {
    if (connections_.count(connection) != 0) serve(*connection, kReadRoundsPerWake);
  }
}

void IoThread::Loop::close_connection(Connection& connection) {
  const WallTime now = clock_.now();
  connection.stream.finish([&](std::string_view message, bool truncated) {
    deliver(connection.stream.key(), connection.stream.source_text(), message, truncated, now);
  });
  count_bad_frames(connection);
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, connection.stream.fd(), nullptr);
  if (connection.listener.gauges != nullptr) {
    connection.listener.gauges->open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
  partials_.remove(connection);
  if (connection.counted_per_source) limits_.release_source(connection.peer);
  limits_.give_back_slot();
  std::erase(read_again_, &connection);
  connections_.erase(&connection);
  resume_listeners();
}

void IoThread::Loop::close_overdue_connections(SteadyTime now) {
  std::vector<Connection*> overdue;
  for (auto& [pointer, connection] : connections_) {
    const auto deadline = connection->stream.phase_deadline();
    if ((deadline && now >= *deadline) || now - connection->stream.last_activity() >= config_.idle_timeout) {
      overdue.push_back(pointer);
    }
  }
  for (Connection* connection : overdue) {
    const auto phase = connection->stream.phase();
    if (phase == StreamConnection::Phase::kProxyHeader) {
      counters_.count_drop(metrics::DropReason::kBadProxyHeader);
      refusals_.log(spdlog::level::warn, "PROXY header timeout", "closed the connection from {} on port {}: no PROXY header within {} s",
                    connection->stream.source_text(), connection->listener.spec.port, kProxyHeaderTimeout.count());
    } else if (phase == StreamConnection::Phase::kTlsHandshake) {
      counters_.count_drop(metrics::DropReason::kTlsRefused);
      refusals_.log(spdlog::level::warn, "TLS handshake timeout", "closed the connection from {} on port {}: TLS handshake not done within {} s",
                    connection->stream.source_text(), connection->listener.spec.port, kTlsHandshakeTimeout.count());
    } else {
      counters_.connections_timed_out.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("closing the connection from {} on port {}: idle for {} s", connection->stream.source_text(),
                    connection->listener.spec.port,
                    std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count());
    }
    close_connection(*connection);
  }
}

void IoThread::Loop::deliver(const SourceKey& key, std::string_view source_text, std::string_view message,
                             bool truncated, WallTime received) {
  if (truncated && key.protocol == Protocol::kGelf) {
    // Cut JSON is no longer a GELF message: drop it rather than pass on half a document.
    counters_.count_drop(metrics::DropReason::kGelfInvalid);
    return;
  }
  if (truncated) counters_.count_drop(metrics::DropReason::kTruncated);
  sink_.on_message(key, source_text, message, received);
}

IoThread::IoThread(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock,
                   metrics::RelayCounters& counters, IoThreadConfig config)
    : loop_(std::make_unique<Loop>(std::move(listeners), sink, clock, counters, std::move(config))) {}

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
