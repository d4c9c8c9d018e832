#pragma once
// One accepted TCP or TLS connection and its phases (docs/behaviour.md §2): on a --proxy-protocol port
// the PROXY header comes first, before any TLS handshake; then, on a TLS port, the
// handshake; then messages through the framer (syslog framing) or a RELP session, which
// also writes answers back. Each phase has its own deadline.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"
#include "core/unique_fd.hpp"
#include "framing/syslog_framer.hpp"
#include "net/listener.hpp"
#include "net/message_sink.hpp"
#include "net/proxy_header.hpp"
#include "net/relp_session.hpp"
#include "net/tls_session.hpp"

namespace kinesyslog::net {

class TlsServerContext;

// How long a phase may take before the connection is closed (PROXY spec §2: a receiver
// must not wait forever for a header; a handshake that never finishes holds a socket).
inline constexpr std::chrono::seconds kProxyHeaderTimeout{5};

class StreamConnection {
 public:
  enum class Phase : uint8_t { kProxyHeader, kTlsHandshake, kMessages };
  enum class Outcome : uint8_t {
    kWaitReadable,    // nothing more to read now
    kWaitWritable,    // TLS needs the socket writable before it can go on
    kReadAgain,       // TLS holds decrypted bytes epoll will not report: come back soon
    kClosed,          // end of stream or error: close it (what was received has been handed on)
    kBadProxyHeader,  // close and count
    kTlsFailed,       // close and count
    kRelpFailed,      // not RELP, or RELP we do not serve: write what output holds, close and count
  };
  enum class WriteOutcome : uint8_t {
    kWritten,  // output() is empty
    kBlocked,  // the socket (or TLS) takes no more now: wait for EPOLLOUT
    kFailed,   // the peer is gone: close
  };
  using OnMessage = std::function<void(std::string_view message, bool truncated)>;

  // `relp_positions`: the sink whose positions a RELP listener's answers wait for (needed for
  // spec.framing kRelp, else unused).
  StreamConnection(UniqueFd socket, const ListenerSpec& spec, SourceKey peer, size_t max_message_size,
                   std::shared_ptr<const TlsServerContext> tls, SteadyTime now,
                   const MessageSink* relp_positions = nullptr);

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
  uint64_t held_serial() const { return relp_ ? relp_->held_serial() : framer_.partials_started(); }
  // Memory pressure, in the messages phase: hands on the held message cut short (see
  // SyslogFramer::release_partial). Returns false when there was none, and for RELP, whose
  // frames cannot be cut (the loop closes the session: its sender resends what was not answered).
  bool release_partial(const OnMessage& on_message) { return !relp_ && framer_.release_partial(on_message); }
  // Frames the framer skipped as invalid since the last call (see SyslogFramer).
  uint64_t take_bad_frames() { return framer_.take_bad_frames(); }

  // The RELP session of a RELP listener's connection (null for syslog framing).
  RelpSession* relp() { return relp_ ? &*relp_ : nullptr; }
  const RelpSession* relp() const { return relp_ ? &*relp_ : nullptr; }
  // Writes as much of the RELP session's output as the socket takes now.
  WriteOutcome write_output();

 private:
  Outcome read_proxy_header(std::span<char> buffer, SteadyTime now, const OnMessage& on_message);
  Outcome after_proxy_header(std::string_view rest, SteadyTime now, const OnMessage& on_message);
  Outcome continue_handshake();
  Outcome read_messages(std::span<char> buffer, int rounds, SteadyTime now, const OnMessage& on_message);
  // Bytes of the messages phase, to the framer or the RELP session.
  void consume(std::string_view bytes, const OnMessage& on_message);

  UniqueFd socket_;
  SourceKey key_;
  std::string source_text_;
  Phase phase_;
  std::optional<ProxyHeaderReader> proxy_;
  std::shared_ptr<const TlsServerContext> tls_context_;  // keeps the material this connection started with
  std::optional<TlsSession> tls_;
  framing::SyslogFramer framer_;
  std::optional<RelpSession> relp_;
  SteadyTime accepted_;
  SteadyTime last_activity_;
  std::string failure_;
};

}  // namespace kinesyslog::net
