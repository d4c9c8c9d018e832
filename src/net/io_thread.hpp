#pragma once
// One I/O thread: its own epoll loop over its own SO_REUSEPORT sockets (docs/architecture.md#threads).
// UDP is read with recvmmsg in batches into buffers reused for the thread's lifetime; TCP
// bytes go through a per-connection framer straight from one reused read buffer.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "framing/gelf_chunks.hpp"
#include "net/connection_limits.hpp"
#include "net/io_events.hpp"
#include "net/listener.hpp"
#include "net/message_sink.hpp"
#include "net/tls_context_holder.hpp"
#include "core/unique_fd.hpp"

namespace kinesyslog::net {

struct IoThreadConfig {
  size_t max_message_size = 65536;
  std::chrono::milliseconds tick{1000};  // how often on_tick runs at the latest
  // Limits against hostile or broken clients: past the cap new connections are refused; a
  // connection silent for the idle timeout is closed (what it sent is kept).
  int64_t max_connections_per_listener = 10'000;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  // TLS material for kTls listeners (reloadable: each new connection takes the current one).
  std::shared_ptr<TlsContextHolder> tls;
  // Chunked GELF over UDP: 5 s to complete, memory bounded per thread (docs/behaviour.md §2.4).
  framing::GelfChunkLimits gelf_chunks;
  // This thread's share of --max-partial-bytes: messages split across reads and PROXY v2
  // headers still arriving. Past it the oldest is handed on cut short (or the connection
  // stuck in its header closed).
  size_t max_partial_bytes = 32 * 1024 * 1024;
  // Slots shared with the other threads: the total (inside the open-files limit; at it the
  // listeners wait) and per peer address (past it a connection is refused).
  std::shared_ptr<ConnectionLimits> connection_limits = std::make_shared<ConnectionLimits>(100'000, 1'000);
};

// State shared by every thread's socket for one configured listener.
struct ListenerGauges {
  std::atomic<int64_t> open_connections{0};
};

struct BoundListener {
  ListenerSpec spec;
  UniqueFd fd;
  ListenerGauges* gauges = nullptr;  // owned by the relay, outlives the thread
};

class IoThread {
 public:
  // `events` hears what happens (drops, refusals, timeouts); it outlives the thread.
  IoThread(std::vector<BoundListener> listeners, MessageSink& sink, const Clock& clock, IoEvents& events,
           IoThreadConfig config);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  void start();
  // Asks the loop to finish: it accepts the connections waiting in its listeners' queues,
  // reads its UDP sockets empty, closes every listening socket (later connection attempts
  // are refused by the kernel), reads what its connections hold, hands everything to the
  // sink (on_stop) and ends. join() waits for that.
  void request_stop();
  void join();

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace kinesyslog::net
