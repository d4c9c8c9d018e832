#pragma once
// One TLS connection on a non-blocking socket (RFC 5425), driven by the I/O thread's epoll
// loop: every call does what the socket allows now and says what it waits for, so the loop
// can arm EPOLLIN or EPOLLOUT. One per connection; not thread-safe.
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/tls_server_context.hpp"
#include "net/tls_socket_bio.hpp"

namespace kinesyslog::net {

// How long a client may take to finish its handshake; the loop owns the timer.
inline constexpr std::chrono::seconds kTlsHandshakeTimeout{10};

enum class TlsHandshakeStatus : uint8_t {
  kDone,
  kWantRead,   // wait for EPOLLIN, then call handshake() again
  kWantWrite,  // wait for EPOLLOUT, then call handshake() again
  kFailed,     // close the connection; failure_reason() says why
};

enum class TlsIoStatus : uint8_t {
  kBytes,      // `bytes` > 0 were transferred
  kWantRead,   // wait for EPOLLIN
  // Wait for EPOLLOUT. OpenSSL allows it from read() too; this server should not meet it
  // there (renegotiation refused, KeyUpdate answered on the next write since 1.1.1c).
  kWantWrite,
  kClosed,     // the peer closed the connection, with close_notify or without
  kFailed,     // close the connection; failure_reason() says why
};

struct TlsIoResult {
  TlsIoStatus status = TlsIoStatus::kFailed;
  size_t bytes = 0;
};

class TlsSession {
 public:
  // `already_read`: bytes the loop took off the socket before TLS began (after a PROXY
  // header); they are the start of the ClientHello and are read before the socket.
  // The session takes its own reference to the context (SSL_new), so it keeps the material
  // it started with across a reload. Does not own `fd`.
  TlsSession(const TlsServerContext& context, int fd, std::string_view already_read, SteadyTime started);
  TlsSession(TlsSession&&) noexcept = default;
  TlsSession& operator=(TlsSession&&) noexcept = default;

  TlsHandshakeStatus handshake();
  // When the session was created; the loop closes it if not done by this + kTlsHandshakeTimeout.
  SteadyTime handshake_started() const { return handshake_started_; }

  // Fills `into` from as many records as are available. epoll does not signal bytes OpenSSL
  // has already decrypted, so call again until the result is not kBytes, or come back
  // without waiting for epoll while has_buffered_input() is true. `into` must not be empty.
  TlsIoResult read(std::span<char> into);
  bool has_buffered_input() const;

  // May write only part of `bytes` (kBytes with the count). After kWantRead/kWantWrite, call
  // again with the same bytes first (OpenSSL has taken them into a record already); they may
  // have moved, and more may follow them.
  TlsIoResult write(std::span<const char> bytes);

  // Sends close_notify if the socket takes it now; never waits for the peer's (RFC 5425 §4.4).
  void shutdown();

  // Subject of the client's certificate in RFC 2253 form ("CN=host,O=Org"); empty without one.
  std::string peer_certificate_subject() const;
  // Why the last kFailed happened (OpenSSL's reason, and the certificate check's when one
  // failed), or how a kClosed other than close_notify came about ("Connection reset by peer").
  const std::string& failure_reason() const { return failure_reason_; }

 private:
  enum class Outcome : uint8_t { kWantRead, kWantWrite, kClosed, kFailed };
  // After a failed SSL call: what it waits for, or why it ended (sets failure_reason_).
  Outcome classify(int ssl_error);
  static TlsIoResult io_result(Outcome outcome);

  struct FreeSsl {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  // Declared before ssl_: the SSL (which holds the BIO) is freed first.
  std::unique_ptr<TlsSocketBio> socket_;
  std::unique_ptr<SSL, FreeSsl> ssl_;
  SteadyTime handshake_started_;
  bool handshake_done_ = false;
  bool broken_ = false;  // a fatal error: no close_notify may follow (SSL_shutdown(3))
  TlsIoResult deferred_end_{TlsIoStatus::kBytes, 0};  // kClosed/kFailed met after bytes were returned
  std::string failure_reason_;
};

}  // namespace kinesyslog::net
