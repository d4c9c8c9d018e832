#pragma once
// Credentials from a provider, kept until they come close to expiring. Like the SDKs, it refreshes
// ahead of expiry and keeps signing with the old set while a refresh fails and they still hold.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/clock_skew.hpp"
#include "aws/credentials_provider.hpp"
#include "aws/credentials_source.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// How long before expiry to refresh: 5 minutes (the AWS SDK for Java's prefetch time, well inside
// STS's 15-minute minimum lifetime), but at most half the lifetime, so that credentials issued for a
// few minutes are used for a while instead of being fetched again on every call.
std::chrono::nanoseconds refresh_window(std::chrono::nanoseconds lifetime);

class CachingCredentials final : public CredentialsSource {
 public:
  // After a failed refresh while the old credentials still hold, wait this long before trying again.
  static constexpr std::chrono::seconds kRetryAfterFailure{10};

  // `initial`: credentials the provider already yielded (the chain probes IMDS this way).
  // Expirations are AWS's time, so they are compared with `skew`'s correction of `clock`.
  CachingCredentials(std::unique_ptr<CredentialsProvider> provider, const Clock& clock,
                     std::optional<Credentials> initial = std::nullopt, const ClockSkew& skew = ClockSkew::process());

  // Thread-safe. Throws (CredentialsUnavailable, AwsConfigError) only when no valid credentials can be had.
  Credentials current() override;
  // A service answered ExpiredToken (its clock or an admin disagrees with our expiration): the next
  // current() fetches anew and fails rather than return these credentials again.
  void invalidate() override;

  std::string describe() const { return provider_->describe(); }

 private:
  struct Cached {
    Credentials credentials;
    WallTime fetched_at;
  };
  enum class Freshness { kFresh, kRefreshDue, kUnusable };

  Freshness freshness(WallTime now) const;  // caller holds state_mutex_
  WallTime aws_now() const;
  Credentials refresh(std::unique_lock<std::mutex>& refresh_lock);

  std::unique_ptr<CredentialsProvider> provider_;
  const Clock& clock_;
  const ClockSkew& skew_;
  std::mutex refresh_mutex_;  // one fetch at a time; taken before state_mutex_
  mutable std::mutex state_mutex_;
  std::optional<Cached> cached_;
  std::optional<SteadyTime> retry_not_before_;
  bool invalidated_ = false;
};

}  // namespace kinesyslog::aws
