#pragma once
// One accepted TCP or TLS connection and its phases (SPEC §2): on a --proxy-protocol port
// the PROXY header comes first, before any TLS handshake; then, on a TLS port, the
// handshake; then messages through the framer. Each phase has its own deadline.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"
#include "framing/syslog_framer.hpp"
#include "net/listener.hpp"
#include "net/proxy_header.hpp"
#include "net/tls_session.hpp"
#include "core/unique_fd.hpp"

namespace kinesyslog::net {

class TlsServerContext;

// How long a phase may take before the connection is closed (PROXY spec §2: a receiver
// must not wait forever for a header; a handshake that never finishes holds a socket).
inline constexpr std::chrono::seconds kProxyHeaderTimeout{5};

class StreamConnection {
 public:
  enum class Phase : uint8_t { kProxyHeader, kTlsHandshake, kMessages };
  enum class Outcome : uint8_t {
    kWaitReadable,   // nothing more to read now
    kWaitWritable,   // TLS needs the socket writable before it can go on
    kReadAgain,      // TLS holds decrypted bytes epoll will not report: come back soon
    kClosed,         // end of stream or error: close it (what was received has been handed on)
    kBadProxyHeader, // close and count
    kTlsFailed,      // close and count
  };
  using OnMessage = std::function<void(std::string_view message, bool truncated)>;

  StreamConnection(UniqueFd socket, const ListenerSpec& spec, SourceKey peer, size_t max_message_size,
                   std::shared_ptr<const TlsServerContext> tls, SteadyTime now);

  // Reads what is available (at most `rounds` buffers into `buffer`), moving through the
  // phases; complete messages go to `on_message`.
  Outcome on_ready(std::span<char> buffer, int rounds, SteadyTime now, const OnMessage& on_message);
  // End of stream: hands on a pending unterminated message.
  void finish(const OnMessage& on_message);
  // Why on_ready gave kBadProxyHeader or kTlsFailed, for the log.
  const std::string& failure() const { return failure_; }
  // The deadline of the current phase, if it has one (PROXY header 5 s, TLS handshake 10 s).
  std::optional<SteadyTime> phase_deadline() const;

  int fd() const { return socket_.get(); }
  Phase phase() const { return phase_; }
  const SourceKey& key() const { return key_; }
  const std::string& source_text() const { return source_text_; }
  SteadyTime last_activity() const { return last_activity_; }
  // Memory held between reads for this peer (a message split across reads, or a PROXY v2
  // header still arriving), and which item it is: a new serial means a newer one.
  size_t held_bytes() const;
  uint64_t held_serial() const { return framer_.partials_started(); }
  // Memory pressure, in the messages phase: hands on the held message cut short (see
  // SyslogFramer::release_partial). Returns false when there was none.
  bool release_partial(const OnMessage& on_message) { return framer_.release_partial(on_message); }
  // Frames the framer skipped as invalid since the last call (see SyslogFramer).
  uint64_t take_bad_frames() { return framer_.take_bad_frames(); }

 private:
  Outcome read_proxy_header(std::span<char> buffer, SteadyTime now, const OnMessage& on_message);
  Outcome after_proxy_header(std::string_view rest, SteadyTime now, const OnMessage& on_message);
  Outcome continue_handshake();
  Outcome read_messages(std::span<char> buffer, int rounds, SteadyTime now, const OnMessage& on_message);

  UniqueFd socket_;
  SourceKey key_;
  std::string source_text_;
  Phase phase_;
  std::optional<ProxyHeaderReader> proxy_;
  std::shared_ptr<const TlsServerContext> tls_context_;  // keeps the material this connection started with
  std::optional<TlsSession> tls_;
  framing::SyslogFramer framer_;
  SteadyTime accepted_;
  SteadyTime last_activity_;
  std::string failure_;
};

}  // namespace kinesyslog::net
