#pragma once
// The account id that goes into every record's `owner` (SPEC §4). With Firehose it comes from
// STS GetCallerIdentity, which may answer only after the listeners started (SPEC §5: AWS
// unreachable at start): encoders wait for it, and batches wait in the bounded queue meanwhile.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace kinesyslog::relay {

// Thread-safe.
class OwnerSource {
 public:
  OwnerSource() = default;
  static std::shared_ptr<OwnerSource> known(std::string account);

  // The first call wins; later ones are ignored.
  void set(std::string account);
  // Wakes every waiter; wait() returns nullopt from then on unless the account is already known.
  void cancel();
  // Blocks until the account is known (then returns it) or cancel() (then nullopt).
  std::optional<std::string> wait();
  // True when the account became known before `deadline`.
  bool wait_until(SteadyTime deadline);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::string> account_;
  bool cancelled_ = false;
};

}  // namespace kinesyslog::relay
