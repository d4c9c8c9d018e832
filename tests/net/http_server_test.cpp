#include "net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "net/listener.hpp"

namespace kinesyslog::net {
namespace {

using namespace std::chrono_literals;

// A server on an ephemeral loopback port whose handler echoes what it was asked.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, bool proxy_protocol = false) {
    start_with(
        [](std::string_view method, std::string_view target) {
          return HttpResponse{200, "text/plain", std::string(method) + " " + std::string(target)};
        },
        SystemClock::instance(), options, proxy_protocol);
  }

  void start_with(HttpHandler handler, const Clock& clock, HttpServerOptions options, bool proxy_protocol = false) {
    UniqueFd listener = net::open_listener(*IpAddress::parse("127.0.0.1"), false, {net::Transport::kTcp, 0});
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length), 0);
    port_ = ntohs(bound.sin_port);
    std::vector<HttpListener> listeners;
    listeners.push_back({std::move(listener), proxy_protocol});
    server_ = std::make_unique<HttpServer>(std::move(listeners), std::move(handler), clock, options);
    server_->start();
  }

  // From `source`, another loopback address (Linux routes all of 127.0.0.0/8 to lo).
  // `receive_buffer` > 0 fixes the client's SO_RCVBUF (no autotuning).
  UniqueFd connect_to_server(const char* source = "127.0.0.1", int receive_buffer = 0) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (receive_buffer > 0) ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, source, &local.sin_addr), 1);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
  }

  // Sends `request` and reads until the server closes (at most 5 s).
  std::string exchange(std::string_view request, const char* source = "127.0.0.1") {
    UniqueFd fd = connect_to_server(source);
    EXPECT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    return read_until_closed(fd.get(), 5s);
  }

  static std::string read_until_closed(int fd, std::chrono::milliseconds limit) {
    std::string answer;
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < give_up) {
      pollfd polled{fd, POLLIN, 0};
      if (::poll(&polled, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t count = ::recv(fd, buffer, sizeof buffer, 0);
      if (count <= 0) return answer;
      answer.append(buffer, static_cast<size_t>(count));
    }
    return answer + "<still open>";
  }

  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnswersWithTheHandlersResponseAndCloses) {
  start();
  EXPECT_EQ(exchange("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
            "GET /metrics?x=1");
}

TEST_F(HttpServerTest, HeadGetsTheHeadersWithoutTheBody) {
  start();
  EXPECT_EQ(exchange("HEAD / HTTP/1.0\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\n");
}

TEST_F(HttpServerTest, AMalformedRequestLineIsABadRequest) {
  start();
  EXPECT_TRUE(exchange("hello\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
}

TEST_F(HttpServerTest, ARequestOverTheSizeLimitIsRefused) {
  start(HttpServerOptions{256, 5000ms, 8});
  const std::string request = "GET / HTTP/1.1\r\nX-Padding: " + std::string(1000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(exchange(request).starts_with("HTTP/1.1 431 "));
}

TEST_F(HttpServerTest, AClientThatNeverFinishesItsRequestIsDisconnectedAtTheTimeout) {
  start(HttpServerOptions{8192, 300ms, 8});
  UniqueFd fd = connect_to_server();
  ASSERT_EQ(::send(fd.get(), "GET / HT", 8, MSG_NOSIGNAL), 8);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(read_until_closed(fd.get(), 5s), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(HttpServerTest, ServesAgainAfterManyConnectionsCameAndWent) {
  start(HttpServerOptions{8192, 5000ms, 2});
  for (int i = 0; i < 20; ++i) connect_to_server();  // opened and closed at once
  EXPECT_TRUE(exchange("GET /health HTTP/1.1\r\n\r\n").ends_with("GET /health"));
}

TEST_F(HttpServerTest, APeerHoldingManyIdleConnectionsDoesNotStopAnotherPeersHealthCheck) {
  // Each idle connection may wait a minute here, so only the per-peer cap can keep a slot free.
  HttpServerOptions options;
  options.request_timeout = 60s;
  start(options);
  std::vector<UniqueFd> idle;
  for (size_t i = 0; i < options.max_connections + 8; ++i) idle.push_back(connect_to_server("127.0.0.1"));
  EXPECT_TRUE(exchange("GET /health HTTP/1.1\r\n\r\n", "127.0.0.2").ends_with("GET /health"));
}

TEST_F(HttpServerTest, ConnectionsOverThePeerCapAreClosedAtOnce) {
  HttpServerOptions options;
  options.request_timeout = 60s;
  start(options);
  std::vector<UniqueFd> idle;
  for (size_t i = 0; i < options.max_connections_per_peer; ++i) idle.push_back(connect_to_server());
  UniqueFd over = connect_to_server();
  EXPECT_EQ(read_until_closed(over.get(), 5s), "");
}

// The response deadline runs from accept, like the request's: neither a slow handler nor a
// client that stops reading holds a slot past response_timeout in all.
TEST_F(HttpServerTest, TheResponseDeadlineRunsFromAccept) {
  ManualClock clock;
  const std::string body(16 << 20, 'm');  // more than the socket buffers on both sides hold
  start_with(
      [&](std::string_view, std::string_view) {
        clock.advance(900ms);  // a slow handler: the response starts 0.9 s after accept
        return HttpResponse{200, "text/plain", body};
      },
      clock, {});
  UniqueFd fd = connect_to_server("127.0.0.1", 4096);
  const std::string request = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  for (int i = 0; i < 500 && clock.steady_now() < SteadyTime{} + 900ms; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(clock.steady_now(), SteadyTime{} + 900ms) << "the handler did not run";
  clock.advance(4200ms);  // 5.1 s after accept; 4.2 s after the response started
  const std::string answer = read_until_closed(fd.get(), 10s);  // reading lets the server wake up and look
  EXPECT_FALSE(answer.ends_with("<still open>"));
  EXPECT_LT(answer.size(), body.size()) << "the whole response was written past the deadline";
}

TEST(HttpServerOptions, ARequestHasOneSecondToArrive) {
  EXPECT_EQ(HttpServerOptions{}.request_timeout, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace kinesyslog::net

namespace kinesyslog::net {
namespace {

class ProxiedHttpServerTest : public HttpServerTest {};

TEST_F(ProxiedHttpServerTest, RequestBehindAProxyHeaderIsAnswered) {
  start({}, true);
  EXPECT_EQ(exchange("PROXY TCP4 192.0.2.1 127.0.0.1 40000 9100\r\nGET /health HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
            "GET /health");
}

// The peer is a load balancer node here: it keeps the cap, so it cannot take every slot.
TEST_F(ProxiedHttpServerTest, ALoadBalancerNodeIsHeldToThePeerCap) {
  HttpServerOptions options;
  options.request_timeout = 60s;
  start(options, true);
  std::vector<UniqueFd> idle;
  for (size_t i = 0; i < options.max_connections_per_peer; ++i) idle.push_back(connect_to_server());
  UniqueFd over = connect_to_server();
  EXPECT_EQ(read_until_closed(over.get(), 5s), "");
  EXPECT_TRUE(exchange("PROXY TCP4 192.0.2.1 127.0.0.1 40000 9100\r\nGET /health HTTP/1.1\r\n\r\n", "127.0.0.2")
                  .ends_with("GET /health"));
}

TEST_F(ProxiedHttpServerTest, RequestWithoutTheProxyHeaderIsClosedUnanswered) {
  start({}, true);
  EXPECT_EQ(exchange("GET /health HTTP/1.1\r\n\r\n"), "");
}

}  // namespace
}  // namespace kinesyslog::net
