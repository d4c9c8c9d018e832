#include "net/tls_session.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "net/tls_error.hpp"

namespace kinesyslog::net {

namespace {

bool is_unexpected_eof(unsigned long error) {
  return ERR_GET_LIB(error) == ERR_LIB_SSL && ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

}  // namespace

TlsSession::TlsSession(const TlsServerContext& context, int fd, std::string_view already_read, SteadyTime started)
    : socket_(std::make_unique<TlsSocketBio>(fd, already_read)),
      ssl_(SSL_new(context.native())),
      handshake_started_(started) {
  if (!ssl_) throw std::runtime_error("cannot create a TLS session: " + take_openssl_errors());
  BIO* bio = socket_->new_bio();
  SSL_set_bio(ssl_.get(), bio, bio);  // one BIO for both directions: the SSL holds one reference
  SSL_set_accept_state(ssl_.get());
  // write() takes what fits and may be called again with the unwritten rest in a buffer that
  // has since grown or moved (answers are appended while earlier ones wait for the socket).
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

TlsHandshakeStatus TlsSession::handshake() {
  if (handshake_done_) return TlsHandshakeStatus::kDone;
  if (broken_) return TlsHandshakeStatus::kFailed;
  ERR_clear_error();  // the queue is per thread and shared by every session on it
  if (SSL_do_handshake(ssl_.get()) == 1) {
    handshake_done_ = true;
    return TlsHandshakeStatus::kDone;
  }
  switch (classify(SSL_get_error(ssl_.get(), 0))) {
    case Outcome::kWantRead:
      return TlsHandshakeStatus::kWantRead;
    case Outcome::kWantWrite:
      return TlsHandshakeStatus::kWantWrite;
    case Outcome::kClosed:
      failure_reason_ = "the client closed the connection during the handshake";
      break;
    case Outcome::kFailed:
      break;
  }
  return TlsHandshakeStatus::kFailed;
}

TlsIoResult TlsSession::read(std::span<char> into) {
  if (deferred_end_.status != TlsIoStatus::kBytes) return deferred_end_;
  size_t total = 0;
  while (total < into.size()) {
    ERR_clear_error();
    size_t count = 0;
    if (SSL_read_ex(ssl_.get(), into.data() + total, into.size() - total, &count) == 1) {
      total += count;
      continue;
    }
    const TlsIoResult end = io_result(classify(SSL_get_error(ssl_.get(), 0)));
    if (total == 0) return end;
    // Hand over the bytes first; the end of the stream is the answer to the next call.
    if (end.status == TlsIoStatus::kClosed || end.status == TlsIoStatus::kFailed) deferred_end_ = end;
    break;
  }
  return TlsIoResult{TlsIoStatus::kBytes, total};
}

bool TlsSession::has_buffered_input() const { return SSL_has_pending(ssl_.get()) == 1 || socket_->has_unread_prefix(); }

TlsIoResult TlsSession::write(std::span<const char> bytes) {
  if (broken_) return TlsIoResult{TlsIoStatus::kFailed, 0};
  ERR_clear_error();
  size_t count = 0;
  if (SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &count) == 1) return TlsIoResult{TlsIoStatus::kBytes, count};
  return io_result(classify(SSL_get_error(ssl_.get(), 0)));
}

void TlsSession::shutdown() {
  if (!handshake_done_ || broken_) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_.get());  // best effort: a full socket or a gone peer is no reason to wait
  ERR_clear_error();
}

std::string TlsSession::peer_certificate_subject() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_.get());
  if (certificate == nullptr) return {};
  BIO* text = BIO_new(BIO_s_mem());
  if (text == nullptr) return {};
  X509_NAME_print_ex(text, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(text, &data);
  std::string subject(data, static_cast<size_t>(size > 0 ? size : 0));
  BIO_free(text);
  return subject;
}

TlsSession::Outcome TlsSession::classify(int ssl_error) {
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
      return Outcome::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Outcome::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Outcome::kClosed;  // close_notify (RFC 5425 §4.4)
    case SSL_ERROR_SYSCALL: {
      broken_ = true;
      const int error = socket_->last_errno();
      // A reset (or, writing, a broken pipe) is the peer going away too; what arrived before stays.
      if (error == 0 || error == ECONNRESET || error == EPIPE) {
        failure_reason_ = error == 0 ? "connection closed without close_notify" : std::strerror(error);
        return Outcome::kClosed;
      }
      failure_reason_ = std::string("socket error: ") + std::strerror(error);
      return Outcome::kFailed;
    }
    case SSL_ERROR_SSL: {
      broken_ = true;
      // Syslog frames its own messages, so a missing close_notify truncates nothing the
      // framer cannot see; report it as an ordinary close.
      if (is_unexpected_eof(ERR_peek_error())) {
        ERR_clear_error();
        failure_reason_ = "connection closed without close_notify";
        return Outcome::kClosed;
      }
      failure_reason_ = take_openssl_errors();
      const long verify_result = SSL_get_verify_result(ssl_.get());
      if (verify_result != X509_V_OK) {
        failure_reason_ += std::string(" (client certificate: ") + X509_verify_cert_error_string(verify_result) + ")";
      }
      return Outcome::kFailed;
    }
    default:
      broken_ = true;
      failure_reason_ = "unexpected OpenSSL error " + std::to_string(ssl_error) + ": " + take_openssl_errors();
      return Outcome::kFailed;
  }
}

TlsIoResult TlsSession::io_result(Outcome outcome) {
  switch (outcome) {
    case Outcome::kWantRead:
      return TlsIoResult{TlsIoStatus::kWantRead, 0};
    case Outcome::kWantWrite:
      return TlsIoResult{TlsIoStatus::kWantWrite, 0};
    case Outcome::kClosed:
      return TlsIoResult{TlsIoStatus::kClosed, 0};
    case Outcome::kFailed:
      break;
  }
  return TlsIoResult{TlsIoStatus::kFailed, 0};
}

}  // namespace kinesyslog::net
