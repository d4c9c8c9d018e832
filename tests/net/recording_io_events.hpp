#pragma once
// An IoEvents that remembers what an I/O thread reported, for tests to read from their own
// thread: counts per kind, and the peers and reasons of the connections it closed.
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "net/io_events.hpp"

namespace kinesyslog::net {

struct ReportedClose {
  std::string source;
  uint16_t port = 0;
  std::string failure;
};

class RecordingIoEvents final : public IoEvents {
 public:
  void loop_started() override { ++loops_running; }
  void loop_stopped() override { --loops_running; }
  void datagrams_received(uint64_t count) override { udp_datagrams += count; }
  void dropped(IoDrop reason, uint64_t count) override { drops_[static_cast<size_t>(reason)] += count; }
  void connection_slots_exhausted(uint64_t) override {}
  void accept_failed(const ListenerSpec&, int, bool) override {}
  void watch_failed(const ListenerSpec&, int) override {}
  void unlisted_proxy_peer(const IpAddress& peer, uint16_t port) override {
    ++bad_proxy_headers;
    remember(unlisted_peers_, {peer.to_string(), port, {}});
  }
  void connection_refused(const ListenerSpec&, const IpAddress&, std::string_view, uint64_t) override {
    ++connections_refused;
  }
  void bad_proxy_header(PeerContext, std::string_view) override { ++bad_proxy_headers; }
  void proxy_header_over_budget(PeerContext) override { ++bad_proxy_headers; }
  void tls_handshake_failed(PeerContext peer, std::string_view failure) override {
    ++tls_refused;
    remember(tls_failures_, {std::string(peer.source), peer.port, std::string(failure)});
  }
  void bad_frames(PeerContext, uint64_t count) override { bad_frame_count += count; }
  void proxy_header_timed_out(PeerContext, int64_t) override { ++bad_proxy_headers; }
  void tls_handshake_timed_out(PeerContext, int64_t) override { ++tls_refused; }
  void idle_timed_out(PeerContext, int64_t) override { ++connections_timed_out; }
  void partials_released(uint64_t, uint64_t) override {}
  void relp_session_opened(uint16_t) override { ++relp_sessions; }
  void relp_session_closed(uint16_t) override { --relp_sessions; }
  void relp_frames_acked(uint16_t, uint64_t count) override { relp_acked += count; }
  void relp_session_failed(PeerContext peer, std::string_view failure) override {
    remember(relp_failures_, {std::string(peer.source), peer.port, std::string(failure)});
  }

  uint64_t drops(IoDrop reason) const { return drops_[static_cast<size_t>(reason)].load(); }
  std::vector<ReportedClose> tls_failures() const { return copy(tls_failures_); }
  std::vector<ReportedClose> unlisted_peers() const { return copy(unlisted_peers_); }
  std::vector<ReportedClose> relp_failures() const { return copy(relp_failures_); }

  std::atomic<int64_t> loops_running{0};
  std::atomic<uint64_t> udp_datagrams{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> connections_timed_out{0};
  std::atomic<uint64_t> bad_proxy_headers{0};  // every way a PROXY header fails, as the relay counts them
  std::atomic<uint64_t> tls_refused{0};        // failed and timed-out handshakes
  std::atomic<uint64_t> bad_frame_count{0};
  std::atomic<int64_t> relp_sessions{0};
  std::atomic<uint64_t> relp_acked{0};

 private:
  void remember(std::vector<ReportedClose>& list, ReportedClose close) {
    std::lock_guard lock(mutex_);
    list.push_back(std::move(close));
  }
  std::vector<ReportedClose> copy(const std::vector<ReportedClose>& list) const {
    std::lock_guard lock(mutex_);
    return list;
  }

  std::array<std::atomic<uint64_t>, 4> drops_{};
  mutable std::mutex mutex_;
  std::vector<ReportedClose> tls_failures_;
  std::vector<ReportedClose> unlisted_peers_;
  std::vector<ReportedClose> relp_failures_;
};

}  // namespace kinesyslog::net
