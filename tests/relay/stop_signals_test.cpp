// The main thread's wait: a blocked signal of the set, or a stop the process asks for itself.
#include "relay/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <thread>

namespace kinesyslog::relay {
namespace {

sigset_t blocked(int signal_number) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, signal_number);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

TEST(StopSignals, ABlockedSignalOfTheSetEndsTheWaitWithItsNumber) {
  StopSignals stop(blocked(SIGUSR2));
  pthread_kill(pthread_self(), SIGUSR2);
  EXPECT_EQ(stop.wait(), SIGUSR2);
  EXPECT_EQ(stop.stop_reason(), std::nullopt);
}

TEST(StopSignals, ARequestFromAnotherThreadEndsTheWaitAsSigtermWithItsReason) {
  StopSignals stop(blocked(SIGUSR2));
  std::thread refusal([&] {
    stop.request_stop("Firehose stream logs does not exist");
    stop.request_stop("a later reason");  // the first one stays
  });
  EXPECT_EQ(stop.wait(), SIGTERM);
  refusal.join();
  EXPECT_EQ(stop.stop_reason(), "Firehose stream logs does not exist");
}

}  // namespace
}  // namespace kinesyslog::relay
