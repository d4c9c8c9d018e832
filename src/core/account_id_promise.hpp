#pragma once
// The account id that goes into every record's `owner` (docs/behaviour.md §4.3). With Firehose it comes from
// STS GetCallerIdentity, which may answer only after the listeners started (docs/behaviour.md §5.1: AWS
// unreachable at start). Meanwhile the account learned on an earlier run (kept beside the
// spool) may stand in, so batches are spooled at once instead of waiting in memory; without
// one, encoders wait for STS and batches wait in the bounded queue.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace kinesyslog {

// Thread-safe.
class AccountIdPromise {
 public:
  AccountIdPromise() = default;
  static std::shared_ptr<AccountIdPromise> known(std::string account);

  // The account as STS (or the configuration) states it. The first call wins; later ones are
  // ignored. It replaces an assumed account, with a warning when the two differ.
  void set(std::string account);
  // Until set() is called, records carry `account` (the one cached by an earlier run).
  // Ignored once an account is known or assumed.
  void assume(std::string account);
  // Wakes every waiter; wait() returns nullopt from then on unless an account is already there.
  void cancel();
  // Blocks until an account is known or assumed (then returns it) or cancel() (then nullopt).
  std::optional<std::string> wait();
  // True when an account became known or assumed before `deadline`.
  bool wait_until(SteadyTime deadline);
  // The account set() stated; nullopt while there is none or only an assumed one.
  std::optional<std::string> confirmed_account() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::string> account_;
  bool confirmed_ = false;
  bool cancelled_ = false;
};

}  // namespace kinesyslog
