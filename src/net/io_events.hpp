#pragma once
// What an I/O thread tells the rest of the process: each thing that happened to a datagram, a
// connection or a listener, one method apiece. net only says what happened; the implementation
// decides how it is counted and logged, so each happening is counted and logged in one place.
// One instance per I/O thread, called only from that thread.
#include <cstdint>
#include <string_view>

#include "core/ip_address.hpp"
#include "net/listener.hpp"

namespace kinesyslog::net {

// Messages or datagrams given up on without a line of their own (they are many; a count says enough).
enum class IoDrop : uint8_t {
  kTruncated,       // longer than --max-message-size: handed on cut short
  kUdpOverflow,     // datagrams the kernel dropped on a full receive buffer (SO_MEMINFO)
  kGelfIncomplete,  // chunked GELF never completed, or evicted by the memory bound
  kGelfInvalid,     // a bad GELF chunk, or GELF cut short (cut JSON is no longer GELF)
};

// Where a connection came from: its source as shown in events (a PROXY header may have named
// it) and the local port it reached.
struct PeerContext {
  std::string_view source;
  uint16_t port = 0;
};

class IoEvents {
 public:
  virtual ~IoEvents() = default;

  // The loop began serving its listeners, and finished (after its shutdown drain).
  virtual void loop_started() = 0;
  virtual void loop_stopped() = 0;

  virtual void datagrams_received(uint64_t count) = 0;
  virtual void dropped(IoDrop reason, uint64_t count) = 0;

  // Accepting paused: every connection slot the open-files limit allows is taken.
  virtual void connection_slots_exhausted(uint64_t max_total) = 0;
  // accept4 failed with `error` (errno); `out_of_descriptors` when the open-files limit is the cause.
  virtual void accept_failed(const ListenerSpec& listener, int error, bool out_of_descriptors) = 0;
  // epoll_ctl could not watch an accepted connection (errno `error`).
  virtual void watch_failed(const ListenerSpec& listener, int error) = 0;

  // A connection closed at accept: its peer is not one --proxy-from names.
  virtual void unlisted_proxy_peer(const IpAddress& peer, uint16_t port) = 0;
  // A connection closed at accept: `cap` of what `limit` names are open already.
  virtual void connection_refused(const ListenerSpec& listener, const IpAddress& peer, std::string_view limit,
                                  uint64_t cap) = 0;

  // A connection closed for a PROXY header that is not one (`failure` says why).
  virtual void bad_proxy_header(PeerContext peer, std::string_view failure) = 0;
  // A connection closed because its PROXY header was still arriving when the partial budget ran out.
  virtual void proxy_header_over_budget(PeerContext peer) = 0;
  // A connection closed because its TLS handshake failed (`failure` is OpenSSL's reason).
  virtual void tls_handshake_failed(PeerContext peer, std::string_view failure) = 0;
  // Empty octet-counted frames ("0 ") skipped: RFC 6587 has no such frame.
  virtual void bad_frames(PeerContext peer, uint64_t count) = 0;

  // Connections closed for a phase not done in time, or for silence.
  virtual void proxy_header_timed_out(PeerContext peer, int64_t timeout_seconds) = 0;
  virtual void tls_handshake_timed_out(PeerContext peer, int64_t timeout_seconds) = 0;
  virtual void idle_timed_out(PeerContext peer, int64_t timeout_seconds) = 0;

  // Held messages reached this thread's partial budget: the `released` oldest were handed on cut short.
  virtual void partials_released(uint64_t limit_bytes, uint64_t released) = 0;

  // RELP: a session on `port` was opened (its `open` accepted), and one that was open closed.
  virtual void relp_session_opened(uint16_t port) = 0;
  virtual void relp_session_closed(uint16_t port) = 0;
  // `count` syslog frames on `port` were acknowledged (their messages durable).
  virtual void relp_frames_acked(uint16_t port, uint64_t count) = 0;
  // A RELP connection closed for a protocol error, or for not reading its answers (`failure`
  // says which); the sender resends what was not acknowledged.
  virtual void relp_session_failed(PeerContext peer, std::string_view failure) = 0;
};

}  // namespace kinesyslog::net
