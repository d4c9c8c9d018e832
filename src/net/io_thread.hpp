#pragma once
// One I/O thread: its own epoll loop over its own SO_REUSEPORT sockets (DESIGN "Threads").
// UDP is read with recvmmsg in batches into buffers reused for the thread's lifetime; TCP
// bytes go through a per-connection framer straight from one reused read buffer.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "metrics/relay_counters.hpp"
#include "net/listener.hpp"
#include "net/message_sink.hpp"
#include "net/unique_fd.hpp"

namespace kinesyslog::net {

struct IoThreadConfig {
  size_t max_message_size = 65536;
  std::chrono::milliseconds tick{1000};  // how often on_tick runs at the latest
};

class IoThread {
 public:
  IoThread(std::vector<std::pair<ListenerSpec, UniqueFd>> listeners, MessageSink& sink, const Clock& clock,
           metrics::RelayCounters& counters, IoThreadConfig config);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  void start();
  // Asks the loop to read what is already queued on its sockets, hand everything to the
  // sink (on_stop) and finish. join() waits for that.
  void request_stop();
  void join();

  // Any thread: adds this thread's open TCP connections to `by_port`.
  void add_open_connections(std::map<uint16_t, int64_t>& by_port) const;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace kinesyslog::net
