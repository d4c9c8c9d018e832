#include "aws/curl_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

extern char** environ;

namespace kinesyslog::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// tests/aws/loopback_http_server.py in a child process, stopped when the test ends.
class LoopbackHttpServer {
 public:
  LoopbackHttpServer() {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const std::string script = KINESYSLOG_SOURCE_DIR "/tests/aws/loopback_http_server.py";
    char* argv[] = {const_cast<char*>("/usr/bin/python3"), const_cast<char*>(script.c_str()), nullptr};
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) throw std::runtime_error("cannot start /usr/bin/python3");
    FILE* output = fdopen(pipe_fds[0], "r");
    if (output == nullptr || std::fscanf(output, "%hu", &port_) != 1) throw std::runtime_error("no port from server");
    std::fclose(output);
  }
  ~LoopbackHttpServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  EndpointUrl endpoint() const { return EndpointUrl{"http", "127.0.0.1", port_, "/"}; }

 private:
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

HttpRequest post(std::string path, std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.path = std::move(path);
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "Firehose_20150804.PutRecordBatch"}};
  request.body = std::move(body);
  return request;
}

// The client port the server saw, from its JSON echo.
std::string client_port(const HttpResponse& response) {
  const auto start = response.body.find("\"client_port\": ") + 15;
  return response.body.substr(start, response.body.find(',', start) - start);
}

TEST(CurlTransport, PostSendsBodyAndHeadersAndCollectsTheAnswer) {
  LoopbackHttpServer server;
  CurlTransport transport;
  const HttpResponse response = transport.send(server.endpoint(), post("/", R"({"a":1})"), HttpTimeouts{});
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(R"("method": "POST")"));
  EXPECT_THAT(response.body, HasSubstr(R"("x-amz-target": "Firehose_20150804.PutRecordBatch")"));
  EXPECT_THAT(response.body, HasSubstr(R"("body": "{\"a\":1}")"));
  EXPECT_THAT(response.headers, ::testing::Contains(std::pair<std::string, std::string>("X-Echo", "yes")));
}

TEST(CurlTransport, NoExpectContinueHeaderEvenForLargeBodies) {
  LoopbackHttpServer server;
  CurlTransport transport(4 << 20);  // the echo of a 2 MB body is over the default cap
  const auto started = std::chrono::steady_clock::now();
  const HttpResponse response = transport.send(server.endpoint(), post("/", std::string(2'000'000, 'x')), HttpTimeouts{});
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, Not(HasSubstr("\"expect\"")));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
}

TEST(CurlTransport, SeveralCallsShareOneKeptAliveConnection) {
  LoopbackHttpServer server;
  CurlTransport transport;
  const std::string first = client_port(transport.send(server.endpoint(), post("/", "1"), HttpTimeouts{}));
  HttpRequest get;
  get.method = "GET";
  get.path = "/latest";
  get.query = "x=1";
  const HttpResponse second = transport.send(server.endpoint(), get, HttpTimeouts{});
  EXPECT_THAT(second.body, HasSubstr(R"("path": "/latest?x=1")"));
  EXPECT_EQ(client_port(second), first);
  EXPECT_EQ(client_port(transport.send(server.endpoint(), post("/", "3"), HttpTimeouts{})), first);
}

TEST(CurlTransport, PutSendsItsBodyWithMethodPut) {
  LoopbackHttpServer server;
  CurlTransport transport;
  HttpRequest put = post("/latest/api/token", "");
  put.method = "PUT";
  const HttpResponse response = transport.send(server.endpoint(), put, HttpTimeouts{});
  EXPECT_THAT(response.body, HasSubstr(R"("method": "PUT")"));
}

TEST(CurlTransport, ErrorStatusIsAnAnswerNotAnException) {
  LoopbackHttpServer server;
  CurlTransport transport;
  EXPECT_EQ(transport.send(server.endpoint(), post("/status/503", ""), HttpTimeouts{}).status, 503);
}

TEST(CurlTransport, TotalTimeoutThrowsTransportError) {
  LoopbackHttpServer server;
  CurlTransport transport;
  const auto started = std::chrono::steady_clock::now();
  try {
    const HttpTimeouts short_total{std::chrono::milliseconds(500), std::chrono::milliseconds(300)};
    transport.send(server.endpoint(), post("/slow", ""), short_total);
    FAIL() << "expected a timeout";
  } catch (const HttpTransportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("/slow"));
    EXPECT_THAT(error.what(), HasSubstr("timed out"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2'000));
}

// Shutdown: a call in flight (here one the server answers only after seconds) ends at the
// process's deadline, and later calls are not even sent.
TEST(CurlTransport, CallsEndAtTheShutdownDeadline) {
  LoopbackHttpServer server;
  CurlTransport transport;
  const auto started = std::chrono::steady_clock::now();
  std::thread shutdown([&transport, started] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    transport.end_calls_at(started + std::chrono::milliseconds(400));
  });
  EXPECT_THROW(transport.send(server.endpoint(), post("/slow", ""), HttpTimeouts{}), HttpTransportError);
  shutdown.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2'000));
  try {
    transport.send(server.endpoint(), post("/", "late"), HttpTimeouts{});
    FAIL() << "a call after the deadline must not be sent";
  } catch (const HttpTransportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("shutdown deadline"));
  }
}

TEST(CurlTransport, AnAnswerLargerThanTheCapIsAnErrorNamingTheCap) {
  LoopbackHttpServer server;
  CurlTransport transport;
  // The server echoes the body, so its answer is a little over 1.5 MB.
  try {
    transport.send(server.endpoint(), post("/", std::string(1'500'000, 'x')), HttpTimeouts{});
    FAIL() << "expected the answer to be refused";
  } catch (const HttpTransportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("larger than 1048576 bytes"));
  }
  // The connection is still usable for the next, small answer.
  EXPECT_EQ(transport.send(server.endpoint(), post("/", "small"), HttpTimeouts{}).status, 200);
}

TEST(CurlTransport, ConnectionRefusedThrowsTransportError) {
  // A port that was just free: bind, read it, close.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  close(probe);
  CurlTransport transport;
  const EndpointUrl closed{"http", "127.0.0.1", ntohs(address.sin_port), "/"};
  EXPECT_THROW(transport.send(closed, post("/", ""), HttpTimeouts{}), HttpTransportError);
}

}  // namespace
}  // namespace kinesyslog::aws
