#pragma once
// Written here rather than taken from a library because it must read a PROXY v1/v2 header
// before the request, and none of the HTTP server libraries Debian packages can.
//
// A small HTTP/1.1 server on its own thread for /metrics and /health (docs/behaviour.md §6): one request
// per connection (answered with `Connection: close`), requests bounded in size and time, a
// bounded number of connections in all and per peer address. It never touches the hot path: handlers read atomics and
// per-thread tables. A listener may require a PROXY v1/v2 header first, as the original did
// when the metrics port is listed in --proxy-protocol (a load balancer's health checks).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/unique_fd.hpp"

namespace kinesyslog::net {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the server thread with the request line's method and target (path and query).
using HttpHandler = std::function<HttpResponse(std::string_view method, std::string_view target)>;

struct HttpServerOptions {
  size_t max_request_bytes = 8192;  // request line and headers; larger requests get 431
  // From accept to the whole request read: a probe sends it at once, so one client cannot
  // hold the slots by opening connections and sending nothing.
  std::chrono::milliseconds request_timeout{1000};
  size_t max_connections = 64;     // further connections wait in the kernel's backlog
  // One address's further connections are closed at once. Kept on a PROXY port, where the
  // address is a load balancer node's: unlike a syslog connection held for hours, a request
  // holds its slot a few seconds at most, so 8 carry a node's health checks and scrapes, and a
  // flood through one node cannot take the slots of the other nodes and of direct scrapers.
  size_t max_connections_per_peer = 8;
  // Also from accept, to the whole response written: a client that stops reading (or a slow
  // handler) holds its slot no longer than this in all.
  std::chrono::milliseconds response_timeout{5000};
};

// The reason phrase of the status codes this server sends.
std::string_view reason_phrase(int status);

struct HttpListener {
  UniqueFd fd;                  // bound, listening, non-blocking TCP (open_listener)
  bool proxy_protocol = false;  // connections start with a PROXY header, which is skipped
};

class HttpServer {
 public:
  HttpServer(std::vector<HttpListener> listeners, HttpHandler handler, const Clock& clock,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();  // idempotent; open connections are closed

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace kinesyslog::net
