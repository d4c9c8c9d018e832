#include "relay/io_event_reporter.hpp"

#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace kinesyslog::relay {

metrics::DropReason drop_reason_for(net::IoDrop drop) {
  switch (drop) {
    case net::IoDrop::kTruncated: return metrics::DropReason::kTruncated;
    case net::IoDrop::kUdpOverflow: return metrics::DropReason::kUdpOverflow;
    case net::IoDrop::kGelfIncomplete: return metrics::DropReason::kGelfIncomplete;
    case net::IoDrop::kGelfInvalid: return metrics::DropReason::kGelfInvalid;
  }
  return metrics::DropReason::kGelfInvalid;
}

IoEventReporter::IoEventReporter(metrics::RelayCounters& counters, const Clock& clock)
    : counters_(counters), accept_errors_(clock), refusals_(clock) {}

void IoEventReporter::loop_started() { counters_.io_threads_running.fetch_add(1); }

void IoEventReporter::loop_stopped() { counters_.io_threads_running.fetch_sub(1); }

void IoEventReporter::datagrams_received(uint64_t count) {
  counters_.udp_datagrams.fetch_add(count, std::memory_order_relaxed);
}

void IoEventReporter::dropped(net::IoDrop reason, uint64_t count) { counters_.count_drop(drop_reason_for(reason), count); }

void IoEventReporter::connection_slots_exhausted(uint64_t max_total) {
  accept_errors_.log(spdlog::level::warn, "connection limit",
                     "{} connections are open, all the open-files limit allows besides a reserve; new "
                     "connections wait in the kernel's queue",
                     max_total);
}

void IoEventReporter::accept_failed(const net::ListenerSpec& listener, int error, bool out_of_descriptors) {
  accept_errors_.log(spdlog::level::err, std::strerror(error), "cannot accept on {} port {}: {}{}",
                     net::transport_name(listener.transport), listener.port, std::strerror(error),
                     out_of_descriptors ? " (raise the open-files limit); waiting before the next try" : "");
}

void IoEventReporter::watch_failed(const net::ListenerSpec& listener, int error) {
  accept_errors_.log(spdlog::level::err, "epoll_ctl", "cannot watch a connection on {} port {}: {}",
                     net::transport_name(listener.transport), listener.port, std::strerror(error));
}

void IoEventReporter::unlisted_proxy_peer(const IpAddress& peer, uint16_t port) {
  counters_.count_drop(metrics::DropReason::kBadProxyHeader);
  refusals_.log(spdlog::level::warn, "bad PROXY header",
                "closed the connection from {} on port {}: not a --proxy-from address, so its PROXY header is "
                "not honoured",
                peer.to_string(), port);
}

void IoEventReporter::connection_refused(const net::ListenerSpec& listener, const IpAddress& peer,
                                         std::string_view limit, uint64_t cap) {
  counters_.connections_refused.fetch_add(1, std::memory_order_relaxed);
  refusals_.log(spdlog::level::warn, limit, "refused a connection from {} on {} port {}: {} {}", peer.to_string(),
                net::transport_name(listener.transport), listener.port, cap, limit);
}

void IoEventReporter::bad_proxy_header(net::PeerContext peer, std::string_view failure) {
  counters_.count_drop(metrics::DropReason::kBadProxyHeader);
  refusals_.log(spdlog::level::warn, "bad PROXY header", "closed the connection from {} on port {}: {}", peer.source,
                peer.port, failure);
}

void IoEventReporter::proxy_header_over_budget(net::PeerContext peer) {
  counters_.count_drop(metrics::DropReason::kBadProxyHeader);
  refusals_.log(spdlog::level::warn, "PROXY header over the partial budget",
                "closed the connection from {} on port {}: its PROXY header was still arriving when the "
                "partial-message budget was used up",
                peer.source, peer.port);
}

void IoEventReporter::tls_handshake_failed(net::PeerContext peer, std::string_view failure) {
  counters_.count_drop(metrics::DropReason::kTlsRefused);
  // Rate-limited per reason, not for all handshakes together: a client without a certificate
  // must not hide, for a minute, the one whose CA is wrong or whose TLS is too old. OpenSSL's
  // reasons are a small fixed set, so the causes stay few.
  refusals_.log(spdlog::level::warn, "TLS handshake: " + std::string(failure), "TLS handshake with {} on port {} failed: {}",
                peer.source, peer.port, failure);
}

void IoEventReporter::bad_frames(net::PeerContext peer, uint64_t count) {
  counters_.count_drop(metrics::DropReason::kBadFrame, count);
  refusals_.log(spdlog::level::warn, "bad frame", "skipped {} empty octet-counted frame(s) (\"0 \") from {} on port {}",
                count, peer.source, peer.port);
}

void IoEventReporter::proxy_header_timed_out(net::PeerContext peer, int64_t timeout_seconds) {
  counters_.count_drop(metrics::DropReason::kBadProxyHeader);
  refusals_.log(spdlog::level::warn, "PROXY header timeout",
                "closed the connection from {} on port {}: no PROXY header within {} s", peer.source, peer.port,
                timeout_seconds);
}

void IoEventReporter::tls_handshake_timed_out(net::PeerContext peer, int64_t timeout_seconds) {
  counters_.count_drop(metrics::DropReason::kTlsRefused);
  refusals_.log(spdlog::level::warn, "TLS handshake timeout",
                "closed the connection from {} on port {}: TLS handshake not done within {} s", peer.source,
                peer.port, timeout_seconds);
}

void IoEventReporter::idle_timed_out(net::PeerContext peer, int64_t timeout_seconds) {
  counters_.connections_timed_out.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("closing the connection from {} on port {}: idle for {} s", peer.source, peer.port, timeout_seconds);
}

void IoEventReporter::partials_released(uint64_t limit_bytes, uint64_t released) {
  refusals_.log(spdlog::level::warn, "partial budget",
                "held messages reached this thread's {} bytes of --max-partial-bytes: handed on the {} oldest "
                "cut short (truncated)",
                limit_bytes, released);
}

metrics::RelpPortCounters* IoEventReporter::relp_port(uint16_t port) {
  const auto found = counters_.relp_ports.find(port);
  return found == counters_.relp_ports.end() ? nullptr : &found->second;
}

void IoEventReporter::relp_session_opened(uint16_t port) {
  if (auto* relp = relp_port(port)) relp->sessions.fetch_add(1, std::memory_order_relaxed);
}

void IoEventReporter::relp_session_closed(uint16_t port) {
  if (auto* relp = relp_port(port)) relp->sessions.fetch_sub(1, std::memory_order_relaxed);
}

void IoEventReporter::relp_frames_acked(uint16_t port, uint64_t count) {
  if (auto* relp = relp_port(port)) relp->frames_acked.fetch_add(count, std::memory_order_relaxed);
}

void IoEventReporter::relp_session_failed(net::PeerContext peer, std::string_view failure) {
  counters_.count_drop(metrics::DropReason::kRelpProtocolError);
  refusals_.log(spdlog::level::warn, "RELP session failed",
                "closed the RELP session from {} on port {}: {} (the sender resends what was not acknowledged)",
                peer.source, peer.port, failure);
}

}  // namespace kinesyslog::relay
