#include "net/http_server.hpp"

#include <optional>

#include "core/ip_address.hpp"
#include "core/rate_limited_log.hpp"
#include "net/http_request_head.hpp"
#include "net/proxy_header.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <list>
#include <map>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace kinesyslog::net {
namespace {

constexpr size_t kReadChunk = 4096;
// Sweeps for timed-out connections at least this often.
constexpr std::chrono::milliseconds kMaxPollWait{250};

struct Connection {
  UniqueFd fd;
  IpAddress peer;
  std::optional<ProxyHeaderReader> proxy;  // until the header has been read
  SteadyTime accepted;
  SteadyTime deadline;  // accepted + the request's timeout, then + the response's
  std::string request;
  std::string response;
  size_t written = 0;
  bool responding = false;
};

std::string format_response(const HttpResponse& response, bool include_body) {
  std::string text = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                 response.status, reason_phrase(response.status), response.content_type,
                                 response.body.size());
  if (include_body) text += response.body;
  return text;
}

HttpResponse plain(int status) { return HttpResponse{status, "text/plain; charset=utf-8", std::string(reason_phrase(status)) + "\n"}; }

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

class HttpServer::Loop {
 public:
  Loop(std::vector<HttpListener> listeners, HttpHandler handler, const Clock& clock, HttpServerOptions options)
      : listeners_(std::move(listeners)), handler_(std::move(handler)), clock_(clock), options_(options) {
    wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_) throw std::runtime_error(std::string("metrics endpoint: cannot create an eventfd: ") + std::strerror(errno));
  }

  void request_stop() {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  void run() {
    std::vector<pollfd> polled;
    for (;;) {
      polled.clear();
      polled.push_back({wake_.get(), POLLIN, 0});
      const bool room = connections_.size() < options_.max_connections;
      for (const auto& listener : listeners_) polled.push_back({listener.fd.get(), static_cast<short>(room ? POLLIN : 0), 0});
      for (const auto& connection : connections_) {
        polled.push_back({connection.fd.get(), static_cast<short>(connection.responding ? POLLOUT : POLLIN), 0});
      }
      if (::poll(polled.data(), polled.size(), static_cast<int>(kMaxPollWait.count())) < 0 && errno != EINTR) {
        spdlog::critical("metrics endpoint: poll failed: {}", std::strerror(errno));
        return;
      }
      if (polled[0].revents != 0) return;
      size_t index = 1;
      for (auto& listener : listeners_) {
        if (polled[index++].revents != 0) accept_from(listener);
      }
      const SteadyTime now = clock_.steady_now();
      for (auto connection = connections_.begin(); connection != connections_.end(); ++index) {
        const short events = index < polled.size() && polled[index].fd == connection->fd.get() ? polled[index].revents : 0;
        // The deadline holds for slow senders too: a byte at a time does not extend it.
        const bool open = now < connection->deadline && (events == 0 || serve(*connection, events));
        connection = open ? std::next(connection) : close(connection);
      }
    }
  }

 private:
  void accept_from(const HttpListener& listener) {
    while (connections_.size() < options_.max_connections) {
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      UniqueFd fd(::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&address), &length,
                            SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd) return;
      const IpAddress peer = IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
      size_t& open = open_per_peer_[peer.bytes()];
      if (open >= options_.max_connections_per_peer) {
        refusal_log_.log(spdlog::level::warn, "peer cap",
                         "metrics endpoint: {} holds {} connections already; closed another one", peer.to_string(),
                         open);
        continue;  // closed by UniqueFd
      }
      ++open;
      const SteadyTime now = clock_.steady_now();
      Connection connection{std::move(fd), peer, std::nullopt, now, now + options_.request_timeout, {}, {}, 0, false};
      if (listener.proxy_protocol) connection.proxy.emplace();
      connections_.push_back(std::move(connection));
    }
  }

  std::list<Connection>::iterator close(std::list<Connection>::iterator connection) {
    const auto open = open_per_peer_.find(connection->peer.bytes());
    if (open != open_per_peer_.end() && --open->second == 0) open_per_peer_.erase(open);
    return connections_.erase(connection);
  }

  // Reads or writes what the socket allows; false once the connection is done with.
  bool serve(Connection& connection, short events) {
    if (connection.responding) return write_some(connection);
    if ((events & (POLLERR | POLLNVAL)) != 0) return false;
    char chunk[kReadChunk];
    const ssize_t count = ::recv(connection.fd.get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (count == 0) return false;
    if (count < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    std::string_view bytes(chunk, static_cast<size_t>(count));
    if (connection.proxy) {
      // The header only says who the client is; a request without one is not answered.
      const auto status = connection.proxy->feed(bytes);
      if (status == ProxyHeaderReader::Status::kInvalid) return false;
      if (status == ProxyHeaderReader::Status::kNeedMore) return true;
      bytes.remove_prefix(connection.proxy->header_bytes_in_last_feed());
      connection.proxy.reset();
    }
    connection.request.append(bytes);
    const HttpRequestHead head = read_request_head(connection.request, options_.max_request_bytes);
    switch (head.status) {
      case HttpRequestHead::Status::kNeedMore: return true;
      case HttpRequestHead::Status::kTooLarge: return respond(connection, plain(431), true);
      case HttpRequestHead::Status::kBad: return respond(connection, plain(400), true);
      case HttpRequestHead::Status::kComplete: break;
    }
    return answer(connection, head.method, head.target);
  }

  bool answer(Connection& connection, std::string_view method, std::string_view target) {
    HttpResponse response;
    try {
      response = handler_(method, target);
    } catch (const std::exception& error) {
      spdlog::error("metrics endpoint: {} {} failed: {}", method, target, error.what());
      response = plain(500);
    }
    return respond(connection, response, method != "HEAD");
  }

  bool respond(Connection& connection, const HttpResponse& response, bool include_body) {
    connection.response = format_response(response, include_body);
    connection.responding = true;
    connection.deadline = connection.accepted + options_.response_timeout;  // not extended by a slow handler
    return write_some(connection);
  }

  bool write_some(Connection& connection) {
    while (connection.written < connection.response.size()) {
      const ssize_t count = ::send(connection.fd.get(), connection.response.data() + connection.written,
                                   connection.response.size() - connection.written, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (count < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      connection.written += static_cast<size_t>(count);
    }
    ::shutdown(connection.fd.get(), SHUT_WR);
    return false;
  }

  std::vector<HttpListener> listeners_;
  HttpHandler handler_;
  const Clock& clock_;
  HttpServerOptions options_;
  UniqueFd wake_;
  std::list<Connection> connections_;
  std::map<std::array<uint8_t, 16>, size_t> open_per_peer_;  // connections_ counted by peer address
  RateLimitedLog refusal_log_{clock_};
};

HttpServer::HttpServer(std::vector<HttpListener> listeners, HttpHandler handler, const Clock& clock,
                       HttpServerOptions options)
    : loop_(std::make_unique<Loop>(std::move(listeners), std::move(handler), clock, options)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  thread_ = std::thread([this] { loop_->run(); });
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  loop_->request_stop();
  thread_.join();
}

}  // namespace kinesyslog::net
