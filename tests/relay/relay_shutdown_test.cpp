// The relay's stop() against the faults that used to hang it: a full encoder queue while the
// AWS account is unknown, and an account that only the cache beside the spool knows.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "deliver/fake_destination.hpp"
#include "encode/account_cache.hpp"
#include "relay/relay.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::relay {
namespace {

using namespace std::chrono_literals;

uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Writes `bytes` of syslog lines to the relay from a thread of its own; the relay may push
// back, so the socket's send timeout bounds the write and the rest is simply not sent.
std::thread send_lines(uint16_t port, size_t bytes) {
  return std::thread([port, bytes] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      const std::string line = "<13>1 2026-03-01T09:05:07.123Z host app - - - " + std::string(1000, 'x') + "\n";
      for (size_t sent = 0; sent < bytes; sent += line.size()) {
        if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) break;
      }
    }
    ::close(fd);
  });
}

class RelayShutdown : public ::testing::Test {
 protected:
  RelayConfig config_with(std::shared_ptr<AccountIdPromise> owner) {
    RelayConfig config;
    config.address = *BindAddress::parse("127.0.0.1");
    config.listeners.push_back({net::Transport::kTcp, port, Protocol::kSyslog, false});
    config.io_threads = 1;
    config.encoder_threads = 1;
    config.flush_size = 16 * 1024;
    config.queue_bytes = 64 * 1024;
    config.owner = std::move(owner);
    config.spool_dir = spool.path();
    config.delivery_interval = 100ms;
    return config;
  }

  size_t spooled_records() const {
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(spool.path())) {
      if (entry.path().filename().string().starts_with("firehose_event-")) ++count;
    }
    return count;
  }

  // stop() on a thread of its own; a stop that never returns fails the test instead of hanging it.
  void expect_stop_within(Relay& relay, SteadyTime deadline, std::chrono::seconds limit) {
    auto stopping = std::make_shared<std::promise<void>>();
    auto stopped = stopping->get_future();
    std::thread([&relay, deadline, stopping] {
      relay.stop(deadline);
      stopping->set_value();
    }).detach();
    if (stopped.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "Relay::stop did not return within " << limit.count() << " s";
      std::_Exit(1);  // the stuck threads would hang the test binary
    }
  }

  testing::TemporaryDirectory spool;
  testing::FakeDestination destination;
  const uint16_t port = free_tcp_port();
};

TEST_F(RelayShutdown, StopEndsByTheDeadlineWhileTheQueueIsFullAndTheAccountNeverCame) {
  Relay relay(config_with(std::make_shared<AccountIdPromise>()), destination, SystemClock::instance());
  relay.start();
  std::thread sender = send_lines(port, 1024 * 1024);
  std::this_thread::sleep_for(1s);  // the queue fills; the I/O thread blocks on it
  expect_stop_within(relay, std::chrono::steady_clock::now() + 2s, 10s);
  sender.join();
  EXPECT_EQ(spooled_records(), 0u);  // no account, no record: the loss is counted instead
  EXPECT_TRUE(destination.calls().empty());
}

TEST_F(RelayShutdown, CachedAccountLetsBatchesReachTheSpoolBeforeStsAnswers) {
  encode::remember_account(spool.path(), "210987654321");
  auto owner = std::make_shared<AccountIdPromise>();
  Relay relay(config_with(owner), destination, SystemClock::instance());
  relay.start();
  std::thread sender = send_lines(port, 256 * 1024);
  sender.join();
  for (int i = 0; i < 100 && destination.accepted().empty(); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(destination.accepted().empty()) << "records waited in memory for STS";
  EXPECT_EQ(owner->confirmed_account(), std::nullopt);
  expect_stop_within(relay, std::chrono::steady_clock::now() + 2s, 10s);
}

}  // namespace
}  // namespace kinesyslog::relay
