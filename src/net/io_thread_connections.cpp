// IoThread's connection table: accepting (with --proxy-from and the per-listener and
// per-source caps), serving, the partial budget, closing, and the phase and idle deadlines.
#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "net/io_thread_loop.hpp"

namespace kinesyslog::net {

namespace {

bool out_of_descriptors(int error) { return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM; }

}  // namespace

bool IoThread::Loop::accept_connections(ListenerWatch& listener) {
  for (;;) {
    if (!limits_.take_slot()) {
      events_.connection_slots_exhausted(limits_.max_total());
      pause(listener);
      return false;
    }
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd =
        ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      limits_.give_back_slot();
      if (error == EAGAIN || error == EWOULDBLOCK) return true;
      if (error == EINTR || error == ECONNABORTED) continue;
      events_.accept_failed(listener.spec, error, out_of_descriptors(error));
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
    auto connection =
        std::make_unique<Connection>(listener,
                                     StreamConnection(std::move(socket), listener.spec, key, config_.max_message_size,
                                                      std::move(tls), clock_.steady_now(), &sink_),
                                     key.source, counted_per_source(listener));
    if (!try_add(connection->stream.fd(), connection.get())) {  // ENOMEM, or fs.epoll.max_user_watches reached
      events_.watch_failed(listener.spec, errno);
      if (connection->counted_per_source) limits_.release_source(key.source);
      limits_.give_back_slot();
      pause(listener);
      return false;  // the connection is closed as it goes out of scope
    }
    if (listener.gauges != nullptr) listener.gauges->open_connections.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("connection from {} on {} port {}", connection->stream.source_text(), listener_kind(listener.spec),
                  listener.spec.port);
    connections_.emplace(connection.get(), std::move(connection));
  }
}

bool IoThread::Loop::admit(const ListenerWatch& listener, const IpAddress& peer) {
  if (listener.spec.proxy_from && !listener.spec.proxy_from->allows(peer)) {
    // At accept, before it sends anything: kept open, an unlisted peer would hold a slot that
    // no per-source cap bounds until the PROXY header's deadline.
    events_.unlisted_proxy_peer(peer, listener.spec.port);
    return false;
  }
  if (listener.gauges != nullptr &&
      listener.gauges->open_connections.load(std::memory_order_relaxed) >= config_.max_connections_per_listener) {
    refuse(listener, peer, "connections open on this port",
           static_cast<uint64_t>(config_.max_connections_per_listener));
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
  events_.connection_refused(listener.spec, peer, limit, cap);
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
    if (!try_add(listener->fd.get(), listener.get())) continue;          // tried again at the next tick
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
    case StreamConnection::Outcome::kWaitReadable:
      set_interest(connection, readable_interest(connection));
      note_relp(connection);
      return;
    case StreamConnection::Outcome::kWaitWritable:
      set_interest(connection, EPOLLOUT);
      return;
    case StreamConnection::Outcome::kReadAgain:
      read_again_.push_back(&connection);
      note_relp(connection);
      return;
    case StreamConnection::Outcome::kClosed:
      close_connection(connection);
      return;
    case StreamConnection::Outcome::kRelpFailed:
      fail_relp(connection, connection.stream.relp()->failure());
      return;
    case StreamConnection::Outcome::kBadProxyHeader:
      events_.bad_proxy_header(peer_context(connection), connection.stream.failure());
      close_connection(connection);
      return;
    case StreamConnection::Outcome::kTlsFailed:
      events_.tls_handshake_failed(peer_context(connection), connection.stream.failure());
      close_connection(connection);
      return;
  }
}

void IoThread::Loop::count_bad_frames(Connection& connection) {
  const uint64_t bad_frames = connection.stream.take_bad_frames();
  if (bad_frames == 0) return;
  events_.bad_frames(peer_context(connection), bad_frames);
}

void IoThread::Loop::release_oldest_partials() {
  uint64_t released = 0;
  while (PartialBudget::Slot* oldest = partials_.oldest_over_limit()) {
    auto& connection = static_cast<Connection&>(*oldest);
    if (connection.stream.phase() == StreamConnection::Phase::kProxyHeader) {
      events_.proxy_header_over_budget(peer_context(connection));
      close_connection(connection);
      continue;
    }
    if (connection.stream.relp() != nullptr) {  // a RELP frame cannot be cut: the sender resends it
      fail_relp(connection, "a frame was still arriving when this thread's share of --max-partial-bytes ran out");
      continue;
    }
    const WallTime now = clock_.now();
    connection.stream.release_partial([&](std::string_view message, bool truncated) {
      deliver(connection.stream.key(), connection.stream.source_text(), message, truncated, now);
    });
    partials_.remove(connection);
    ++released;
  }
  if (released > 0) events_.partials_released(partials_.limit_bytes(), released);
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
  if (connection.relp_opened_reported) events_.relp_session_closed(connection.listener.spec.port);
  std::erase(read_again_, &connection);
  if (connection.relp_active) std::erase(relp_active_, &connection);
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
      events_.proxy_header_timed_out(peer_context(*connection), kProxyHeaderTimeout.count());
    } else if (phase == StreamConnection::Phase::kTlsHandshake) {
      events_.tls_handshake_timed_out(peer_context(*connection), kTlsHandshakeTimeout.count());
    } else {
      events_.idle_timed_out(peer_context(*connection),
                             std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count());
    }
    close_connection(*connection);
  }
}

}  // namespace kinesyslog::net
