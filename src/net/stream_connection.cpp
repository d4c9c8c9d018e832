#include "net/stream_connection.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "net/tls_server_context.hpp"

namespace kinesyslog::net {

StreamConnection::StreamConnection(UniqueFd socket, const ListenerSpec& spec, SourceKey peer, size_t max_message_size,
                                   std::shared_ptr<const TlsServerContext> tls, SteadyTime now,
                                   const MessageSink* relp_positions)
    : socket_(std::move(socket)),
      key_(peer),
      source_text_(peer.source.to_string()),
      phase_(spec.proxy_protocol ? Phase::kProxyHeader
             : tls               ? Phase::kTlsHandshake
                                 : Phase::kMessages),
      tls_context_(std::move(tls)),
      framer_(max_message_size),
      accepted_(now),
      last_activity_(now) {
  if (spec.framing == StreamFraming::kRelp) {
    if (relp_positions == nullptr) throw std::invalid_argument("a RELP connection needs the sink's positions");
    relp_.emplace(max_message_size, *relp_positions);
    // Answers are already gathered into one write per loop round; Nagle would hold that write
    // back until the peer's delayed ACK (tens of ms), stalling a sender whose window is full.
    const int on = 1;
    (void)::setsockopt(socket_.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  if (spec.proxy_protocol) proxy_.emplace();
  if (!spec.proxy_protocol && tls_context_) tls_.emplace(*tls_context_, socket_.get(), std::string_view{}, now);
}

std::optional<SteadyTime> StreamConnection::phase_deadline() const {
  switch (phase_) {
    case Phase::kProxyHeader:
      return accepted_ + kProxyHeaderTimeout;
    case Phase::kTlsHandshake:
      return tls_->handshake_started() + kTlsHandshakeTimeout;
    case Phase::kMessages:
      return std::nullopt;
  }
  return std::nullopt;
}

size_t StreamConnection::held_bytes() const {
  if (phase_ == Phase::kProxyHeader) return proxy_->buffered_bytes();
  if (relp_) return relp_->held_bytes();
  return framer_.buffered_bytes() > 0 ? framer_.buffer_capacity() : 0;
}

StreamConnection::Outcome StreamConnection::on_ready(std::span<char> buffer, int rounds, SteadyTime now,
                                                     const OnMessage& on_message) {
  if (phase_ == Phase::kProxyHeader) {
    const Outcome outcome = read_proxy_header(buffer, now, on_message);
    if (phase_ == Phase::kProxyHeader || outcome != Outcome::kWaitReadable) return outcome;
  }
  if (phase_ == Phase::kTlsHandshake) {
    const Outcome outcome = continue_handshake();
    if (phase_ == Phase::kTlsHandshake) return outcome;
    last_activity_ = now;
  }
  return read_messages(buffer, rounds, now, on_message);
}

// The header is read with plain recv: nothing past it is consumed from the socket except
// what arrived in the same read, which goes on to the TLS session or the framer untouched.
StreamConnection::Outcome StreamConnection::read_proxy_header(std::span<char> buffer, SteadyTime now,
                                                              const OnMessage& on_message) {
  const ssize_t count = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Outcome::kWaitReadable;
  if (count <= 0) {
    proxy_->finish();
    failure_ = count == 0 ? "the connection closed before a complete PROXY header" : proxy_->error();
    return Outcome::kBadProxyHeader;
  }
  last_activity_ = now;
  const std::string_view bytes(buffer.data(), static_cast<size_t>(count));
  switch (proxy_->feed(bytes)) {
    case ProxyHeaderReader::Status::kNeedMore:
      return Outcome::kWaitReadable;
    case ProxyHeaderReader::Status::kInvalid:
      failure_ = proxy_->error();
      return Outcome::kBadProxyHeader;
    case ProxyHeaderReader::Status::kDone:
      break;
  }
  // PROXY spec §2: LOCAL, UNKNOWN and non-IP families keep the real peer.
  if (const auto& source = proxy_->header().source) {
    key_.source = *source;
    source_text_ = source->to_string();
  }
  const std::string_view rest = bytes.substr(proxy_->header_bytes_in_last_feed());  // still in the caller's buffer
  proxy_.reset();
  return after_proxy_header(rest, now, on_message);
}

StreamConnection::Outcome StreamConnection::after_proxy_header(std::string_view rest, SteadyTime now,
                                                               const OnMessage& on_message) {
  if (tls_context_) {
    tls_.emplace(*tls_context_, socket_.get(), rest, now);
    phase_ = Phase::kTlsHandshake;
    return Outcome::kWaitReadable;
  }
  phase_ = Phase::kMessages;
  consume(rest, on_message);
  return relp_ && relp_->status() == RelpSession::Status::kFailed ? Outcome::kRelpFailed : Outcome::kWaitReadable;
}

StreamConnection::Outcome StreamConnection::continue_handshake() {
  switch (tls_->handshake()) {
    case TlsHandshakeStatus::kDone:
      phase_ = Phase::kMessages;
      return Outcome::kWaitReadable;
    case TlsHandshakeStatus::kWantRead:
      return Outcome::kWaitReadable;
    case TlsHandshakeStatus::kWantWrite:
      return Outcome::kWaitWritable;
    case TlsHandshakeStatus::kFailed:
      failure_ = tls_->failure_reason();
      return Outcome::kTlsFailed;
  }
  return Outcome::kTlsFailed;
}

StreamConnection::Outcome StreamConnection::read_messages(std::span<char> buffer, int rounds, SteadyTime now,
                                                          const OnMessage& on_message) {
  for (int round = 0; round < rounds; ++round) {
    if (tls_) {
      const TlsIoResult result = tls_->read(buffer);
      switch (result.status) {
        case TlsIoStatus::kBytes:
          last_activity_ = now;
          consume({buffer.data(), result.bytes}, on_message);
          if (relp_ && relp_->status() == RelpSession::Status::kFailed) return Outcome::kRelpFailed;
          continue;
        case TlsIoStatus::kWantRead:
          return Outcome::kWaitReadable;
        case TlsIoStatus::kWantWrite:
          return Outcome::kWaitWritable;
        case TlsIoStatus::kClosed:
          return Outcome::kClosed;
        case TlsIoStatus::kFailed:
          failure_ = tls_->failure_reason();
          return Outcome::kClosed;
      }
    }
    const ssize_t count = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (count > 0) {
      last_activity_ = now;
      consume({buffer.data(), static_cast<size_t>(count)}, on_message);
      if (relp_ && relp_->status() == RelpSession::Status::kFailed) return Outcome::kRelpFailed;
      continue;
    }
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Outcome::kWaitReadable;
    return Outcome::kClosed;
  }
  // Out of rounds: level-triggered epoll reports a socket with bytes left, but not bytes
  // OpenSSL already decrypted and holds.
  return tls_ && tls_->has_buffered_input() ? Outcome::kReadAgain : Outcome::kWaitReadable;
}

void StreamConnection::consume(std::string_view bytes, const OnMessage& on_message) {
  if (relp_) {
    relp_->feed(bytes, on_message);
  } else {
    framer_.feed(bytes, on_message);
  }
}

void StreamConnection::finish(const OnMessage& on_message) {
  if (phase_ != Phase::kMessages) return;
  if (tls_) tls_->shutdown();
  // A RELP frame cut off is not acknowledged: the sender resends it, so it is not handed on.
  if (!relp_) framer_.finish(on_message);
}

StreamConnection::WriteOutcome StreamConnection::write_output() {
  if (!relp_ || phase_ != Phase::kMessages) return WriteOutcome::kWritten;
  while (!relp_->output().empty()) {
    const std::string_view output = relp_->output();
    if (tls_) {
      const TlsIoResult result = tls_->write({output.data(), output.size()});
      switch (result.status) {
        case TlsIoStatus::kBytes:
          relp_->output_written(result.bytes);
          continue;
        case TlsIoStatus::kWantRead:
        case TlsIoStatus::kWantWrite:
          return WriteOutcome::kBlocked;
        case TlsIoStatus::kClosed:
        case TlsIoStatus::kFailed:
          failure_ = tls_->failure_reason();
          return WriteOutcome::kFailed;
      }
      return WriteOutcome::kFailed;
    }
    // MSG_NOSIGNAL: a peer gone away is EPIPE here, not SIGPIPE for the process.
    const ssize_t count = ::send(socket_.get(), output.data(), output.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (count >= 0) {
      relp_->output_written(static_cast<size_t>(count));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WriteOutcome::kBlocked;
    failure_ = std::strerror(errno);
    return WriteOutcome::kFailed;
  }
  return WriteOutcome::kWritten;
}

}  // namespace kinesyslog::net
