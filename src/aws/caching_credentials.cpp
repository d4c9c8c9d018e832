#include "aws/caching_credentials.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace kinesyslog::aws {

std::chrono::nanoseconds refresh_window(std::chrono::nanoseconds lifetime) {
  constexpr std::chrono::nanoseconds kPrefetch = std::chrono::minutes(5);
  return std::min(kPrefetch, lifetime / 2);
}

CachingCredentials::CachingCredentials(std::unique_ptr<CredentialsProvider> provider, const Clock& clock,
                                       std::optional<Credentials> initial, const ClockSkew& skew)
    : provider_(std::move(provider)), clock_(clock), skew_(skew) {
  if (initial) cached_ = Cached{std::move(*initial), aws_now()};
}

WallTime CachingCredentials::aws_now() const { return skew_.aws_time(clock_.now()); }

CachingCredentials::Freshness CachingCredentials::freshness(WallTime now) const {
  if (!cached_ || invalidated_) return Freshness::kUnusable;
  const auto& expiration = cached_->credentials.expiration;
  if (!expiration) return Freshness::kFresh;
  if (now >= *expiration) return Freshness::kUnusable;
  const auto lifetime = std::max(std::chrono::nanoseconds::zero(), *expiration - cached_->fetched_at);
  if (now >= *expiration - refresh_window(lifetime)) {
    // Within the window, but a refresh just failed: keep the old set a little longer.
    if (retry_not_before_ && clock_.steady_now() < *retry_not_before_) return Freshness::kFresh;
    return Freshness::kRefreshDue;
  }
  return Freshness::kFresh;
}

Credentials CachingCredentials::current() {
  {
    const std::lock_guard state_lock(state_mutex_);
    if (freshness(aws_now()) == Freshness::kFresh) return cached_->credentials;
  }
  std::unique_lock refresh_lock(refresh_mutex_, std::try_to_lock);
  if (!refresh_lock.owns_lock()) {
    {
      // Another thread is fetching: sign with the old set while it still holds, else wait.
      const std::lock_guard state_lock(state_mutex_);
      if (freshness(aws_now()) != Freshness::kUnusable) return cached_->credentials;
    }
    refresh_lock.lock();
  }
  return refresh(refresh_lock);
}

void CachingCredentials::invalidate() {
  const std::lock_guard state_lock(state_mutex_);
  invalidated_ = true;
}

Credentials CachingCredentials::refresh(std::unique_lock<std::mutex>& refresh_lock) {
  {
    // The thread we waited for may have refreshed already.
    const std::lock_guard state_lock(state_mutex_);
    if (freshness(aws_now()) == Freshness::kFresh) return cached_->credentials;
  }
  try {
    Credentials fetched = provider_->fetch();
    const std::lock_guard state_lock(state_mutex_);
    cached_ = Cached{fetched, aws_now()};
    retry_not_before_.reset();
    invalidated_ = false;
    refresh_lock.unlock();
    return fetched;
  } catch (const std::exception& error) {
    const std::lock_guard state_lock(state_mutex_);
    if (freshness(aws_now()) == Freshness::kUnusable) throw;
    retry_not_before_ = clock_.steady_now() + kRetryAfterFailure;
    spdlog::warn("credentials: refreshing {} failed; the current ones expire in {} s and stay in use: {}",
                 provider_->describe(),
                 std::chrono::duration_cast<std::chrono::seconds>(*cached_->credentials.expiration - aws_now()).count(),
                 error.what());
    return cached_->credentials;
  }
}

}  // namespace kinesyslog::aws
