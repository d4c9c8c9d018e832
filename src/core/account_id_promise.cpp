#include "core/account_id_promise.hpp"

#include <spdlog/spdlog.h>

namespace kinesyslog {

std::shared_ptr<AccountIdPromise> AccountIdPromise::known(std::string account) {
  auto source = std::make_shared<AccountIdPromise>();
  source->set(std::move(account));
  return source;
}

void AccountIdPromise::set(std::string account) {
  {
    std::lock_guard lock(mutex_);
    if (confirmed_) return;
    if (account_ && *account_ != account) {
      spdlog::warn("STS reports AWS account {}, but records spooled since start carry {}, the account cached by an "
                   "earlier run; records from now on carry {}",
                   account, *account_, account);
    }
    account_ = std::move(account);
    confirmed_ = true;
  }
  changed_.notify_all();
}

void AccountIdPromise::assume(std::string account) {
  {
    std::lock_guard lock(mutex_);
    if (account_) return;
    account_ = std::move(account);
  }
  changed_.notify_all();
}

void AccountIdPromise::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
}

std::optional<std::string> AccountIdPromise::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return account_.has_value() || cancelled_; });
  return account_;
}

bool AccountIdPromise::wait_until(SteadyTime deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [this] { return account_.has_value() || cancelled_; }) &&
         account_.has_value();
}

std::optional<std::string> AccountIdPromise::confirmed_account() const {
  std::lock_guard lock(mutex_);
  return confirmed_ ? account_ : std::nullopt;
}

}  // namespace kinesyslog
