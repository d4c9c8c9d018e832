#pragma once
// The other end of a TlsSession in tests: a plain OpenSSL client on a non-blocking socket,
// and pumps that step both sides in turn, a bounded number of times.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/tls_session.hpp"
#include "core/unique_fd.hpp"

namespace kinesyslog::testing {

// Both ends of one connection, non-blocking.
struct SocketPair {
  UniqueFd server;
  UniqueFd client;
};

inline void set_non_blocking(int fd) {
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) throw std::runtime_error("fcntl");
}

inline SocketPair loopback_tcp_pair() {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot listen on loopback");
  }
  SocketPair pair;
  pair.client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(pair.client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect on loopback");
  }
  pair.server.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  set_non_blocking(pair.client.get());
  return pair;
}

// AF_UNIX: a full socket stays full until the peer reads, with no TCP window timing.
inline SocketPair unix_stream_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Waits up to 10 ms for either socket to become readable; keeps pumps from spinning.
inline void wait_briefly(int first_fd, int second_fd) {
  pollfd fds[2] = {{first_fd, POLLIN, 0}, {second_fd, POLLIN, 0}};
  ::poll(fds, 2, 10);
}

struct ClientOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::filesystem::path certificate;  // empty: no client certificate
  std::filesystem::path key;
};

// An OpenSSL client with the stock socket BIO; does not verify the server (not under test).
class TlsTestClient {
 public:
  TlsTestClient(int fd, const ClientOptions& options = {}) : context_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX* context = context_.get();
    if (options.min_version < TLS1_2_VERSION) {
      SSL_CTX_set_security_level(context, 0);  // OpenSSL 3 refuses TLS 1.1 at the default level
      SSL_CTX_set_cipher_list(context, "DEFAULT:@SECLEVEL=0");
    }
    SSL_CTX_set_min_proto_version(context, options.min_version);
    SSL_CTX_set_max_proto_version(context, options.max_version);
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!options.certificate.empty() &&
        (SSL_CTX_use_certificate_chain_file(context, options.certificate.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(context, options.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
      throw std::runtime_error("cannot load the test client's certificate");
    }
    ssl_.reset(SSL_new(context));
    SSL_set_fd(ssl_.get(), fd);
    SSL_set_connect_state(ssl_.get());
  }

  SSL* ssl() const { return ssl_.get(); }
  bool handshake_done() const { return SSL_is_init_finished(ssl_.get()) == 1; }
  bool failed() const { return failed_; }

  // One non-blocking step; remembers a fatal error.
  void step_handshake() {
    if (failed_ || handshake_done()) return;
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl_.get());
    if (result != 1) {
      const int error = SSL_get_error(ssl_.get(), result);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) failed_ = true;
    }
    ERR_clear_error();
  }

  // Writes what the socket takes now; returns the count (0 when it takes nothing).
  size_t write_some(std::string_view bytes) {
    size_t written = 0;
    ERR_clear_error();
    if (SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) != 1) written = 0;
    ERR_clear_error();
    return written;
  }

  // Appends what is readable now to `into`; returns SSL_get_error's answer for the last call.
  int read_some(std::string& into) {
    char buffer[8192];
    for (;;) {
      size_t count = 0;
      ERR_clear_error();
      if (SSL_read_ex(ssl_.get(), buffer, sizeof buffer, &count) != 1) {
        const int error = SSL_get_error(ssl_.get(), 0);
        ERR_clear_error();
        return error;
      }
      into.append(buffer, count);
    }
  }

 private:
  struct FreeContext {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  };
  struct FreeSsl {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  std::unique_ptr<SSL_CTX, FreeContext> context_;
  std::unique_ptr<SSL, FreeSsl> ssl_;
  bool failed_ = false;
};

constexpr int kPumpRounds = 500;

// Steps both handshakes until the server's ends and the client's has caught up.
inline net::TlsHandshakeStatus pump_handshake(net::TlsSession& server, TlsTestClient& client, const SocketPair& pair) {
  net::TlsHandshakeStatus status = net::TlsHandshakeStatus::kWantRead;
  for (int round = 0; round < kPumpRounds; ++round) {
    client.step_handshake();
    if (status != net::TlsHandshakeStatus::kDone) status = server.handshake();
    if (status == net::TlsHandshakeStatus::kFailed) return status;
    if (status == net::TlsHandshakeStatus::kDone && (client.handshake_done() || client.failed())) return status;
    wait_briefly(pair.server.get(), pair.client.get());
  }
  return status;
}

// Sends `payload` from the client while the server reads it in `read_size` pieces; returns
// what the server read (stops early on anything but bytes and kWantRead).
inline std::string pump_to_server(TlsTestClient& client, net::TlsSession& server, const SocketPair& pair,
                                  std::string_view payload, size_t read_size) {
  std::string received;
  std::string buffer(read_size, '\0');
  size_t sent = 0;
  for (int round = 0; round < kPumpRounds * 20 && received.size() < payload.size(); ++round) {
    if (sent < payload.size()) sent += client.write_some(payload.substr(sent));
    for (;;) {
      const net::TlsIoResult result = server.read(buffer);
      if (result.status != net::TlsIoStatus::kBytes) {
        if (result.status != net::TlsIoStatus::kWantRead) return received;
        break;
      }
      received.append(buffer.data(), result.bytes);
    }
    if (received.size() < payload.size()) wait_briefly(pair.server.get(), pair.client.get());
  }
  return received;
}

// Sends `payload` from the server while the client reads it; returns what the client read.
inline std::string pump_to_client(net::TlsSession& server, TlsTestClient& client, const SocketPair& pair,
                                  std::string_view payload) {
  std::string received;
  size_t sent = 0;
  for (int round = 0; round < kPumpRounds * 20 && received.size() < payload.size(); ++round) {
    if (sent < payload.size()) {
      const net::TlsIoResult result = server.write(std::span<const char>(payload.data() + sent, payload.size() - sent));
      if (result.status == net::TlsIoStatus::kBytes) sent += result.bytes;
    }
    client.read_some(received);
    if (received.size() < payload.size()) wait_briefly(pair.server.get(), pair.client.get());
  }
  return received;
}

}  // namespace kinesyslog::testing
