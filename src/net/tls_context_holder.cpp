#include "net/tls_context_holder.hpp"

#include <utility>

#include "net/tls_error.hpp"

namespace kinesyslog::net {

TlsContextHolder::TlsContextHolder(TlsServerPaths paths)
    : paths_(std::move(paths)), current_(std::make_shared<const TlsServerContext>(paths_)) {}

std::shared_ptr<const TlsServerContext> TlsContextHolder::current() const {
  return current_.load(std::memory_order_acquire);
}

TlsReloadResult TlsContextHolder::reload() {
  try {
    current_.store(std::make_shared<const TlsServerContext>(paths_), std::memory_order_release);
    return TlsReloadResult{true, {}};
  } catch (const TlsConfigError& error) {
    return TlsReloadResult{false, error.what()};
  }
}

}  // namespace kinesyslog::net
