#include "relay/stop_signals.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace kinesyslog::relay {
namespace {

UniqueFd checked(int fd, const char* what) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), what);
  return UniqueFd(fd);
}

}  // namespace

StopSignals::StopSignals(const sigset_t& signals)
    : signal_fd_(checked(::signalfd(-1, &signals, SFD_CLOEXEC), "signalfd")),
      request_fd_(checked(::eventfd(0, EFD_CLOEXEC), "eventfd")) {}

void StopSignals::request_stop(std::string reason) {
  {
    std::lock_guard lock(mutex_);
    if (!reason_) reason_ = std::move(reason);
  }
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(request_fd_.get(), &one, sizeof one);  // only fails on overflow
}

int StopSignals::wait() {
  for (;;) {
    pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {request_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        return static_cast<int>(info.ssi_signo);
      }
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count = 0;
      if (::read(request_fd_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count)) return SIGTERM;
    }
  }
}

std::optional<std::string> StopSignals::stop_reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

}  // namespace kinesyslog::relay
