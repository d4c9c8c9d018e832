#pragma once
// What an I/O thread reports, turned into the relay's counters and log lines: each happening
// bumps its metric and writes its rate-limited line here, together. One per I/O thread, so each
// thread keeps its own one-line-per-cause-a-minute windows.
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/rate_limited_log.hpp"
#include "metrics/relay_counters.hpp"
#include "net/io_events.hpp"

namespace kinesyslog::relay {

// The kinesyslog_dropped_messages_total reason an I/O drop is counted under.
metrics::DropReason drop_reason_for(net::IoDrop drop);

class IoEventReporter final : public net::IoEvents {
 public:
  IoEventReporter(metrics::RelayCounters& counters, const Clock& clock);

  void loop_started() override;
  void loop_stopped() override;
  void datagrams_received(uint64_t count) override;
  void dropped(net::IoDrop reason, uint64_t count) override;
  void connection_slots_exhausted(uint64_t max_total) override;
  void accept_failed(const net::ListenerSpec& listener, int error, bool out_of_descriptors) override;
  void watch_failed(const net::ListenerSpec& listener, int error) override;
  void unlisted_proxy_peer(const IpAddress& peer, uint16_t port) override;
  void connection_refused(const net::ListenerSpec& listener, const IpAddress& peer, std::string_view limit,
                          uint64_t cap) override;
  void bad_proxy_header(net::PeerContext peer, std::string_view failure) override;
  void proxy_header_over_budget(net::PeerContext peer) override;
  void tls_handshake_failed(net::PeerContext peer, std::string_view failure) override;
  void bad_frames(net::PeerContext peer, uint64_t count) override;
  void proxy_header_timed_out(net::PeerContext peer, int64_t timeout_seconds) override;
  void tls_handshake_timed_out(net::PeerContext peer, int64_t timeout_seconds) override;
  void idle_timed_out(net::PeerContext peer, int64_t timeout_seconds) override;
  void partials_released(uint64_t limit_bytes, uint64_t released) override;
  void relp_session_opened(uint16_t port) override;
  void relp_session_closed(uint16_t port) override;
  void relp_frames_acked(uint16_t port, uint64_t count) override;
  void relp_session_failed(net::PeerContext peer, std::string_view failure) override;

 private:
  // The port's RELP counts (made by the relay for every RELP listener), or null.
  metrics::RelpPortCounters* relp_port(uint16_t port);

  metrics::RelayCounters& counters_;
  RateLimitedLog accept_errors_;
  RateLimitedLog refusals_;  // refused, timed-out and failed connections: one line per cause a minute
};

}  // namespace kinesyslog::relay
