#pragma once
// The TLS context new connections use, replaced on SIGHUP without stopping the listeners.
#include <atomic>
#include <memory>
#include <string>

#include "net/tls_server_context.hpp"

namespace kinesyslog::net {

struct TlsReloadResult {
  bool reloaded = false;
  std::string error;  // why the old context was kept; empty when reloaded
};

class TlsContextHolder {
 public:
  // Throws TlsConfigError when the first context cannot be built (exit 78 at start).
  explicit TlsContextHolder(TlsServerPaths paths);

  // For a new connection; any thread. Sessions keep the context they were made from.
  std::shared_ptr<const TlsServerContext> current() const;

  // Builds a context from the same paths and, only if that succeeds, swaps it in for new
  // connections; existing connections keep theirs. Call from one thread at a time.
  TlsReloadResult reload();

 private:
  TlsServerPaths paths_;
  std::atomic<std::shared_ptr<const TlsServerContext>> current_;
};

}  // namespace kinesyslog::net
