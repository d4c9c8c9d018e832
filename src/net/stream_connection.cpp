#include "net/stream_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/tls_server_context.hpp"

namespace kinesyslog::net {

StreamConnection::StreamConnection(UniqueFd socket, const ListenerSpec& spec, SourceKey peer, size_t max_message_size,
                                   std::shared_ptr<const TlsServerContext> tls, SteadyTime now)
    : socket_(std::move(socket)),
      key_(peer),
      source_text_(peer.source.to_string()),
      phase_(spec.proxy_protocol ? Phase::kProxyHeader : tls ? Phase::kTlsHandshake : Phase::kMessages),
      tls_context_(std::move(tls)),
      framer_(max_message_size),
      accepted_(now),
      last_activity_(now) {
  if (spec.proxy_protocol) proxy_.emplace();
  if (!spec.proxy_protocol && tls_context_) tls_.emplace(*tls_context_, socket_.get(), std::string_view{}, now);
}

std::optional<SteadyTime> StreamConnection::phase_deadline() const {
  switch (phase_) {
    case Phase::kProxyHeader: return accepted_ + kProxyHeaderTimeout;
    case Phase::kTlsHandshake: return tls_->handshake_started() + kTlsHandshakeTimeout;
    case Phase::kMessages: return std::nullopt;
  }
  return std::nullopt;
}

size_t StreamConnection::held_bytes() const {
  if (phase_ == Phase::kProxyHeader) return proxy_->buffered_bytes();
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
    case ProxyHeaderReader::Status::kNeedMore: return Outcome::kWaitReadable;
    case ProxyHeaderReader::Status::kInvalid: failure_ = proxy_->error(); return Outcome::kBadProxyHeader;
    case ProxyHeaderReader::Status::kDone: break;
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
  framer_.feed(rest, on_message);
  return Outcome::kWaitReadable;
}

StreamConnection::Outcome StreamConnection::continue_handshake() {
  switch (tls_->handshake()) {
    case TlsHandshakeStatus::kDone:
      phase_ = Phase::kMessages;
      return Outcome::kWaitReadable;
    case TlsHandshakeStatus::kWantRead: return Outcome::kWaitReadable;
    case TlsHandshakeStatus::kWantWrite: return Outcome::kWaitWritable;
    case TlsHandshakeStatus::kFailed: failure_ = tls_->failure_reason(); return Outcome::kTlsFailed;
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
          framer_.feed({buffer.data(), result.bytes}, on_message);
          continue;
        case TlsIoStatus::kWantRead: return Outcome::kWaitReadable;
        case TlsIoStatus::kWantWrite: return Outcome::kWaitWritable;
        case TlsIoStatus::kClosed: return Outcome::kClosed;
        case TlsIoStatus::kFailed: failure_ = tls_->failure_reason(); return Outcome::kClosed;
      }
    }
    const ssize_t count = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (count > 0) {
      last_activity_ = now;
      framer_.feed({buffer.data(), static_cast<size_t>(count)}, on_message);
      continue;
    }
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Outcome::kWaitReadable;
    return Outcome::kClosed;
  }
  // Out of rounds: level-triggered epoll reports a socket with bytes left, but not bytes
  // OpenSSL already decrypted and holds.
  return tls_ && tls_->has_buffered_input() ? Outcome::kReadAgain : Outcome::kWaitReadable;
}

void StreamConnection::finish(const OnMessage& on_message) {
  if (phase_ != Phase::kMessages) return;
  if (tls_) tls_->shutdown();
  framer_.finish(on_message);
}

}  // namespace kinesyslog::net
