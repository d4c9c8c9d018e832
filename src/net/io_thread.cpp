#include "net/io_thread.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <string>
#include <unordered_map>

#include "core/rate_limited_log.hpp"
#include "framing/datagram.hpp"
#include "framing/syslog_framer.hpp"

namespace kinesyslog::net {

namespace {

constexpr size_t kDatagramsPerCall = 32;
constexpr size_t kDatagramBufferSize = 65536;  // the largest UDP payload fits
constexpr size_t kStreamReadSize = 256 * 1024;
constexpr int kMaxEvents = 64;
// Bounded work per wake-up per socket, so one busy sender cannot starve the others.
constexpr int kReadRoundsPerWake = 8;

enum class WatchKind : uint8_t { kWake, kUdp, kTcpListener, kConnection };

struct Watch {
  WatchKind kind;
};

struct ListenerWatch : Watch {
  ListenerSpec spec;
  UniqueFd fd;
  ListenerGauges* gauges = nullptr;
  uint32_t last_drop_count = 0;
};

struct Connection : Watch {
  UniqueFd fd;
  ListenerWatch& listener;
  SourceKey key;
  std::string source_text;
  framing::SyslogFramer framer;
  SteadyTime last_activity;

  Connection(UniqueFd socket, ListenerWatch& accepted_by, SourceKey source, size_t max_message_size, SteadyTime now)
      : Watch{WatchKind::kConnection}, fd(std::move(socket)), listener(accepted_by), key(source),
        source_text(source.source.to_string()), framer(max_message_size), last_activity(now) {}
};

}  // namespace

class IoThread::Loop {
 public:
  Loop(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock,
       metrics::RelayCounters& counters, IoThreadConfig config)
      : sink_(sink), clock_(clock), counters_(counters), config_(config), accept_errors_(clock) {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!epoll_ || !wake_) throw std::runtime_error(std::string("cannot create epoll/eventfd: ") + std::strerror(errno));
    add(wake_.get(), &wake_watch_);
    for (auto& bound : listeners) {
      auto watch = std::make_unique<ListenerWatch>();
      watch->kind = bound.spec.transport == Transport::kUdp ? WatchKind::kUdp : WatchKind::kTcpListener;
      watch->spec = bound.spec;
      watch->fd = std::move(bound.fd);
      watch->gauges = bound.gauges;
      add(watch->fd.get(), watch.get());
      listeners_.push_back(std::move(watch));
    }
    datagrams_.resize(kDatagramsPerCall * kDatagramBufferSize);
    stream_buffer_.resize(kStreamReadSize);
  }

  void request_stop() {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }


  void run() {
    counters_.io_threads_running.fetch_add(1);
    std::array<epoll_event, kMaxEvents> events;
    auto next_tick = clock_.steady_now() + config_.tick;
    bool stopping = false;
    while (!stopping) {
      const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - clock_.steady_now());
      const int ready = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents,
                                     static_cast<int>(std::max<int64_t>(0, timeout.count())));
      if (ready < 0 && errno != EINTR) {
        spdlog::critical("epoll_wait failed: {}", std::strerror(errno));
        break;
      }
      for (int i = 0; i < ready; ++i) {
        auto* watch = static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr);
        switch (watch->kind) {
          case WatchKind::kWake: stopping = true; break;
          case WatchKind::kUdp: read_datagrams(*static_cast<ListenerWatch*>(watch), kReadRoundsPerWake); break;
          case WatchKind::kTcpListener: accept_connections(*static_cast<ListenerWatch*>(watch)); break;
          case WatchKind::kConnection: read_stream(*static_cast<Connection*>(watch), kReadRoundsPerWake); break;
        }
      }
      const auto now = clock_.steady_now();
      if (now >= next_tick) {
        close_idle_connections(now);
        sink_.on_tick(now);
        next_tick = now + config_.tick;
      }
    }
    drain();
    counters_.io_threads_running.fetch_sub(1);
  }

 private:
  void add(int fd, Watch* watch) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = watch;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      throw std::runtime_error(std::string("epoll_ctl failed: ") + std::strerror(errno));
    }
  }

  // Reads up to `rounds` recvmmsg batches; returns false once the socket is empty.
  bool read_datagrams(ListenerWatch& listener, int rounds) {
    std::array<mmsghdr, kDatagramsPerCall> headers{};
    std::array<iovec, kDatagramsPerCall> vectors{};
    std::array<sockaddr_storage, kDatagramsPerCall> addresses{};
    // Room for one SO_RXQ_OVFL control message per datagram.
    std::array<std::array<char, CMSG_SPACE(sizeof(uint32_t))>, kDatagramsPerCall> controls{};
    for (int round = 0; round < rounds; ++round) {
      for (size_t i = 0; i < kDatagramsPerCall; ++i) {
        vectors[i] = {datagrams_.data() + i * kDatagramBufferSize, kDatagramBufferSize};
        headers[i] = {};
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &addresses[i];
        headers[i].msg_hdr.msg_namelen = sizeof addresses[i];
        headers[i].msg_hdr.msg_control = controls[i].data();
        headers[i].msg_hdr.msg_controllen = controls[i].size();
      }
      const int received = ::recvmmsg(listener.fd.get(), headers.data(), kDatagramsPerCall, MSG_DONTWAIT, nullptr);
      if (received <= 0) return false;
      const WallTime now = clock_.now();
      counters_.udp_datagrams.fetch_add(static_cast<uint64_t>(received), std::memory_order_relaxed);
      for (size_t i = 0; i < static_cast<size_t>(received); ++i) {
        const auto& header = headers[i].msg_hdr;
        note_kernel_drops(listener, header);
        const SourceKey key{IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&addresses[i])),
                            listener.spec.port, listener.spec.protocol};
        if (!(key.source == last_udp_source_)) {
          last_udp_source_ = key.source;
          last_udp_source_text_ = key.source.to_string();
        }
        const std::string_view datagram(datagrams_.data() + i * kDatagramBufferSize, headers[i].msg_len);
        framing::split_datagram(datagram, config_.max_message_size, [&](std::string_view message, bool truncated) {
          deliver(key, last_udp_source_text_, message, truncated, now);
        });
      }
      if (static_cast<size_t>(received) < kDatagramsPerCall) return false;
    }
    return true;
  }

  void note_kernel_drops(ListenerWatch& listener, const msghdr& header) {
    for (auto* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr; cmsg = CMSG_NXTHDR(const_cast<msghdr*>(&header), cmsg)) {
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SO_RXQ_OVFL) {
        uint32_t total = 0;
        std::memcpy(&total, CMSG_DATA(cmsg), sizeof total);
        if (total > listener.last_drop_count) {
          counters_.count_drop(metrics::DropReason::kUdpOverflow, total - listener.last_drop_count);
        }
        listener.last_drop_count = total;
      }
    }
  }

  void accept_connections(ListenerWatch& listener) {
    for (;;) {
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      const int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&address), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED) return;
        // Repeats on every wake-up while the cause lasts (a full descriptor table stays full).
        accept_errors_.log(spdlog::level::err, std::strerror(error), "cannot accept on TCP port {}: {}{}",
                           listener.spec.port, std::strerror(error),
                           error == EMFILE || error == ENFILE ? " (raise the open-files limit)" : "");
        return;
      }
      UniqueFd socket(fd);
      const SourceKey key{IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address)), listener.spec.port,
                          listener.spec.protocol};
      if (listener.gauges != nullptr &&
          listener.gauges->open_connections.load(std::memory_order_relaxed) >= config_.max_connections_per_listener) {
        counters_.connections_refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("refused a connection from {} on TCP port {}: {} connections open", key.source.to_string(),
                      listener.spec.port, config_.max_connections_per_listener);
        continue;  // closed by `socket` going out of scope
      }
      if (listener.gauges != nullptr) listener.gauges->open_connections.fetch_add(1, std::memory_order_relaxed);
      auto connection = std::make_unique<Connection>(std::move(socket), listener, key, config_.max_message_size,
                                                     clock_.steady_now());
      add(connection->fd.get(), connection.get());
      counters_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
      counters_.connections_open.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("connection from {} on TCP port {}", connection->source_text, listener.spec.port);
      connections_.emplace(connection.get(), std::move(connection));
    }
  }

  // Reads up to `rounds` buffers; closes the connection at end of stream or on error.
  void read_stream(Connection& connection, int rounds) {
    for (int round = 0; round < rounds; ++round) {
      const ssize_t count = ::recv(connection.fd.get(), stream_buffer_.data(), stream_buffer_.size(), MSG_DONTWAIT);
      if (count > 0) {
        connection.last_activity = clock_.steady_now();
        const WallTime now = clock_.now();
        connection.framer.feed(std::string_view(stream_buffer_.data(), static_cast<size_t>(count)),
                               [&](std::string_view message, bool truncated) {
                                 deliver(connection.key, connection.source_text, message, truncated, now);
                               });
        continue;
      }
      if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      if (count < 0) spdlog::debug("connection from {} failed: {}", connection.source_text, std::strerror(errno));
      close_connection(connection);
      return;
    }
  }

  void close_connection(Connection& connection) {
    const WallTime now = clock_.now();
    connection.framer.finish([&](std::string_view message, bool truncated) {
      deliver(connection.key, connection.source_text, message, truncated, now);
    });
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, connection.fd.get(), nullptr);
    counters_.connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (connection.listener.gauges != nullptr) {
      connection.listener.gauges->open_connections.fetch_sub(1, std::memory_order_relaxed);
    }
    connections_.erase(&connection);
  }

  void close_idle_connections(SteadyTime now) {
    std::vector<Connection*> idle;
    for (auto& [pointer, connection] : connections_) {
      if (now - connection->last_activity >= config_.idle_timeout) idle.push_back(pointer);
    }
    for (Connection* connection : idle) {
      spdlog::debug("closing the connection from {} on TCP port {}: idle for {} s", connection->source_text,
                    connection->key.port,
                    std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count());
      counters_.connections_timed_out.fetch_add(1, std::memory_order_relaxed);
      close_connection(*connection);
    }
  }

  void deliver(const SourceKey& key, std::string_view source_text, std::string_view message, bool truncated,
               WallTime received) {
    if (truncated) counters_.count_drop(metrics::DropReason::kTruncated);
    counters_.messages.fetch_add(1, std::memory_order_relaxed);
    counters_.message_bytes.fetch_add(message.size(), std::memory_order_relaxed);
    sink_.on_message(key, source_text, message, received);
  }

  // Shutdown: take in what the kernel already holds for us, then hand everything on.
  void drain() {
    for (auto& listener : listeners_) {
      if (listener->kind != WatchKind::kUdp) continue;
      for (int guard = 0; guard < 1024 && read_datagrams(*listener, 1); ++guard) {
      }
    }
    while (!connections_.empty()) {
      auto& connection = *connections_.begin()->second;
      read_stream(connection, 64);
      if (connections_.count(&connection) != 0) close_connection(connection);
    }
    sink_.on_stop();
  }

  MessageSink& sink_;
  const Clock& clock_;
  metrics::RelayCounters& counters_;
  IoThreadConfig config_;
  RateLimitedLog accept_errors_;
  UniqueFd epoll_;
  UniqueFd wake_;
  Watch wake_watch_{WatchKind::kWake};
  std::vector<std::unique_ptr<ListenerWatch>> listeners_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<char> datagrams_;
  std::vector<char> stream_buffer_;
  IpAddress last_udp_source_;
  std::string last_udp_source_text_ = IpAddress{}.to_string();
};

IoThread::IoThread(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock,
                   metrics::RelayCounters& counters, IoThreadConfig config)
    : loop_(std::make_unique<Loop>(std::move(listeners), sink, clock, counters, config)) {}

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
