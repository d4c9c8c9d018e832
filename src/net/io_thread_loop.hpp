#pragma once
// IoThread's event loop, declared for the four files that define it: io_thread.cpp (the epoll
// dispatcher, UDP listeners, handing messages on), io_thread_connections.cpp (the connection
// table: accepting, limits, serving, deadlines), io_thread_relp.cpp (RELP answers) and
// io_thread_drain.cpp (the shutdown drain).
// Nothing else includes it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>

#include "net/gelf_datagrams.hpp"
#include "net/io_thread.hpp"
#include "net/kernel_drop_count.hpp"
#include "net/partial_budget.hpp"
#include "net/stream_connection.hpp"
#include "net/udp_receiver.hpp"

namespace kinesyslog::net {

class IoThread::Loop {
 public:
  Loop(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock, IoEvents& events,
       IoThreadConfig config);
  void request_stop();
  void run();

 private:
  // Epoll events taken per epoll_wait call.
  static constexpr int kMaxEvents = 64;
  // Bounded work per wake-up per socket, so one busy sender cannot starve the others.
  static constexpr int kReadRoundsPerWake = 8;

  // A RELP peer that does not read its answers is closed once this much waits for it.
  static constexpr size_t kMaxRelpOutputBytes = 1024 * 1024;

  enum class WatchKind : uint8_t { kWake, kUdp, kStreamListener, kConnection, kDurable };

  struct Watch {
    WatchKind kind;
  };

  struct ListenerWatch : Watch {
    ListenerSpec spec;
    UniqueFd fd;
    ListenerGauges* gauges = nullptr;
    KernelDropCount kernel_drops;
    bool paused = false;  // out of epoll: no connection slot or descriptor left for now
  };

  // Its PartialBudget::Slot places it in the thread's oldest-first order of held bytes.
  struct Connection : Watch, PartialBudget::Slot {
    ListenerWatch& listener;
    StreamConnection stream;
    IpAddress peer;  // the socket's peer (a PROXY header may name another source for the events)
    bool counted_per_source;
    uint32_t interest = EPOLLIN;        // EPOLLOUT too when TLS or RELP answers wait for the socket
    bool relp_opened_reported = false;  // its RELP session counts in the sessions gauge
    bool relp_active = false;           // listed in relp_active_

    Connection(ListenerWatch& accepted_by, StreamConnection accepted, const IpAddress& peer_address, bool per_source)
        : Watch{WatchKind::kConnection},
          listener(accepted_by),
          stream(std::move(accepted)),
          peer(peer_address),
          counted_per_source(per_source) {}
  };

  // The dispatcher and the UDP listeners (io_thread.cpp).
  void add(int fd, Watch* watch, uint32_t interest = EPOLLIN);
  bool try_add(int fd, Watch* watch, uint32_t interest = EPOLLIN);
  void set_interest(Connection& connection, uint32_t interest);

  // Reads up to `rounds` recvmmsg batches; returns false once the socket is empty. A GELF
  // datagram is one message, or one chunk of one (reassembled per sender).
  bool read_datagrams(ListenerWatch& listener, int rounds);

  // Datagrams the kernel dropped because the socket's buffer was full, read on every tick.
  void count_kernel_drops();
  // A message for the sink; one cut short is counted truncated, or dropped if it may not be cut.
  void deliver(const SourceKey& key, std::string_view source_text, std::string_view message, bool truncated,
               WallTime received);

  // The connection table (io_thread_connections.cpp).

  // Accepts until the listener's queue is empty (true), or until no connection slot or
  // descriptor is left (false): then the listener leaves epoll until a connection closes or
  // the next tick, so a full descriptor table cannot make the loop spin, and the waiting
  // connections stay in the kernel's queue.
  bool accept_connections(ListenerWatch& listener);

  // A PROXY port's peer is a load balancer speaking for many hosts (one --proxy-from names,
  // when given: admit() closes the others): only the total applies.
  static bool counted_per_source(const ListenerWatch& listener) { return !listener.spec.proxy_protocol; }

  // --proxy-from, then the per-listener and per-source caps; a refused connection is counted and logged.
  bool admit(const ListenerWatch& listener, const IpAddress& peer);
  void refuse(const ListenerWatch& listener, const IpAddress& peer, std::string_view limit, uint64_t cap);
  void pause(ListenerWatch& listener);
  void resume_listeners();
  void serve(Connection& connection, int rounds);
  void count_bad_frames(Connection& connection);

  // Past this thread's share of --max-partial-bytes: the oldest held message is handed on as
  // it is (counted truncated) and its buffer given back; a connection still sending its PROXY
  // header is closed (counted bad_proxy_header). Oldest first until back under the share.
  void release_oldest_partials();

  // RELP (io_thread_relp.cpp). The end of a loop round: the sink writes what it was handed,
  // then every RELP session with frames waiting answers those now durable, in one write.
  void end_round();
  // After a read: counts a newly opened session, and lists it for end_round when it has work.
  void note_relp(Connection& connection);
  // Answers what is durable and writes the output; false when the connection was closed.
  bool answer_relp(Connection& connection, uint64_t durable_through);
  // Counts and logs the failure, writes what output holds (a `500` answer) if it can, closes.
  void fail_relp(Connection& connection, std::string_view failure);
  // Shutdown: answers what becomes durable within a bounded wait, sends `serverclose`, closes.
  void finish_relp_sessions();
  void read_durable_wake();

  // Connections whose TLS layer holds decrypted bytes that epoll cannot report.
  void serve_read_again();
  void close_connection(Connection& connection);
  // EPOLLIN, and EPOLLOUT while RELP answers wait for the socket (end_round writes them).
  static uint32_t readable_interest(const Connection& connection) {
    const RelpSession* relp = connection.stream.relp();
    return EPOLLIN | (relp != nullptr && !relp->output().empty() ? EPOLLOUT : 0U);
  }
  static PeerContext peer_context(const Connection& connection) {
    return {connection.stream.source_text(), connection.listener.spec.port};
  }

  // Idle connections, and connections stuck in the PROXY header or TLS handshake phase.
  void close_overdue_connections(SteadyTime now);

  // Shutdown (these four are in io_thread_drain.cpp): take in what the kernel already holds
  // for us, stop listening, then hand everything on. Once a listening socket is closed the
  // kernel refuses new connections to it instead of completing them for a process that will
  // never read them.
  void drain();
  void serve_until_quiet();

  // Connections the kernel completed that were not accepted yet. At the connection limit the
  // ones open are served and closed first to make room, a bounded number of times.
  void accept_queued_connections();
  void serve_and_close_connections();

  MessageSink& sink_;
  const Clock& clock_;
  IoEvents& events_;
  IoThreadConfig config_;
  ConnectionLimits& limits_;  // shared with the other threads; kept alive by config_
  PartialBudget partials_;
  int paused_listeners_ = 0;
  UniqueFd epoll_;
  UniqueFd wake_;
  Watch wake_watch_{WatchKind::kWake};
  Watch durable_watch_{WatchKind::kDurable};
  std::vector<std::unique_ptr<ListenerWatch>> listeners_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> read_again_;
  std::vector<Connection*> relp_active_;  // RELP sessions with frames waiting, output or a close to finish
  UdpReceiver udp_;
  std::vector<char> stream_buffer_;
  IpAddress last_udp_source_;
  std::string last_udp_source_text_ = IpAddress{}.to_string();
  GelfDatagrams gelf_;
};

}  // namespace kinesyslog::net
