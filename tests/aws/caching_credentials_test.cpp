#include "aws/caching_credentials.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kStart = WallTime{} + std::chrono::hours(24 * 365 * 56);

// Answers fetches from a queue; counts them.
class ScriptedProvider final : public CredentialsProvider {
 public:
  void then(std::function<Credentials()> answer) { answers_.push_back(std::move(answer)); }
  Credentials fetch() override {
    ++fetches;
    if (answers_.empty()) throw CredentialsUnavailable("script exhausted");
    auto answer = std::move(answers_.front());
    answers_.pop_front();
    return answer();
  }
  std::string describe() const override { return "scripted"; }
  std::atomic<int> fetches{0};

 private:
  std::deque<std::function<Credentials()>> answers_;
};

Credentials keys(std::string id, std::optional<WallTime> expiration) {
  return Credentials{std::move(id), "secret", expiration ? "token" : "", expiration};
}

class CachingCredentialsTest : public ::testing::Test {
 protected:
  CachingCredentials make(std::optional<Credentials> initial = std::nullopt) {
    auto provider = std::make_unique<ScriptedProvider>();
    provider_ = provider.get();
    return CachingCredentials(std::move(provider), clock_, std::move(initial));
  }
  ManualClock clock_{kStart};
  ScriptedProvider* provider_ = nullptr;
};

TEST(RefreshWindow, FiveMinutesForUsualLifetimes) {
  EXPECT_EQ(refresh_window(std::chrono::hours(1)), minutes(5));
  EXPECT_EQ(refresh_window(minutes(15)), minutes(5));
}

TEST(RefreshWindow, HalfTheLifetimeForShortLivedCredentials) {
  EXPECT_EQ(refresh_window(minutes(4)), minutes(2));
  EXPECT_EQ(refresh_window(seconds(2)), seconds(1));
}

TEST_F(CachingCredentialsTest, FetchesOnFirstUseOnly) {
  auto credentials = make();
  provider_->then([] { return keys("AKID", std::nullopt); });
  EXPECT_EQ(provider_->fetches, 0);
  EXPECT_EQ(credentials.current().access_key_id, "AKID");
  clock_.advance(std::chrono::hours(24 * 400));
  EXPECT_EQ(credentials.current().access_key_id, "AKID");
  EXPECT_EQ(provider_->fetches, 1);
}

TEST_F(CachingCredentialsTest, ExpirationsAreReadOnAwsClockWhenOursIsOff) {
  // Our clock is 2 hours ahead of AWS's (a hardware clock kept in local time), and that is known.
  ClockSkew skew;
  skew.set_offset(-std::chrono::hours(2));
  auto provider = std::make_unique<ScriptedProvider>();
  ScriptedProvider& scripted = *provider;
  CachingCredentials credentials(std::move(provider), clock_, std::nullopt, skew);
  const WallTime aws_now = kStart - std::chrono::hours(2);
  scripted.then([&] { return keys("ROLE", aws_now + std::chrono::hours(1)); });  // AssumeRole's hour, AWS's time
  EXPECT_EQ(credentials.current().access_key_id, "ROLE");
  clock_.advance(minutes(50));
  EXPECT_EQ(credentials.current().access_key_id, "ROLE");  // still 10 minutes left by AWS's clock
  EXPECT_EQ(scripted.fetches, 1);
}

TEST_F(CachingCredentialsTest, RefreshesFiveMinutesBeforeExpiry) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([&] { return keys("SECOND", clock_.now() + std::chrono::hours(1)); });
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  clock_.advance(minutes(54) + seconds(59));
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  clock_.advance(seconds(1));
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
  EXPECT_EQ(provider_->fetches, 2);
}

TEST_F(CachingCredentialsTest, ShortLivedCredentialsRefreshAtHalfTheirLifetime) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + minutes(4)); });
  provider_->then([&] { return keys("SECOND", clock_.now() + minutes(4)); });
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  clock_.advance(minutes(1) + seconds(59));
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  clock_.advance(seconds(1));
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
}

TEST_F(CachingCredentialsTest, KeepsValidCredentialsWhenRefreshFails) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([]() -> Credentials { throw CredentialsUnavailable("STS did not answer"); });
  provider_->then([&] { return keys("SECOND", clock_.now() + std::chrono::hours(1)); });
  credentials.current();
  clock_.advance(minutes(56));
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  EXPECT_EQ(provider_->fetches, 2);
}

TEST_F(CachingCredentialsTest, WaitsBeforeRetryingAFailedRefresh) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([]() -> Credentials { throw CredentialsUnavailable("throttled"); });
  provider_->then([&] { return keys("SECOND", clock_.now() + std::chrono::hours(1)); });
  credentials.current();
  clock_.advance(minutes(56));
  credentials.current();
  clock_.advance(CachingCredentials::kRetryAfterFailure - seconds(1));
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  EXPECT_EQ(provider_->fetches, 2);
  clock_.advance(seconds(1));
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
}

TEST_F(CachingCredentialsTest, ExpiredCredentialsAreNeverReturned) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([]() -> Credentials { throw CredentialsUnavailable("IMDS did not answer"); });
  credentials.current();
  clock_.advance(std::chrono::hours(1));
  EXPECT_THROW(credentials.current(), CredentialsUnavailable);
}

TEST_F(CachingCredentialsTest, DefinitiveErrorOnFirstFetchPropagates) {
  auto credentials = make();
  provider_->then([]() -> Credentials { throw AwsConfigError("AccessDenied"); });
  EXPECT_THROW(credentials.current(), AwsConfigError);
}

TEST_F(CachingCredentialsTest, InvalidatedCredentialsAreFetchedAgain) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([&] { return keys("SECOND", clock_.now() + std::chrono::hours(1)); });
  credentials.current();
  credentials.invalidate();
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
  EXPECT_EQ(provider_->fetches, 2);
}

TEST_F(CachingCredentialsTest, InvalidatedCredentialsAreNotReturnedWhenTheRefreshFails) {
  auto credentials = make();
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([]() -> Credentials { throw CredentialsUnavailable("STS did not answer"); });
  credentials.current();
  credentials.invalidate();
  EXPECT_THROW(credentials.current(), CredentialsUnavailable);
}

TEST_F(CachingCredentialsTest, InitialCredentialsAreUsedWithoutFetching) {
  auto credentials = make(keys("PROBED", kStart + std::chrono::hours(1)));
  EXPECT_EQ(credentials.current().access_key_id, "PROBED");
  EXPECT_EQ(provider_->fetches, 0);
}

TEST_F(CachingCredentialsTest, ConcurrentFirstCallersShareOneFetch) {
  auto credentials = make();
  provider_->then([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return keys("SHARED", clock_.now() + std::chrono::hours(1));
  });
  std::vector<std::thread> callers;
  std::atomic<int> matched{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      if (credentials.current().access_key_id == "SHARED") ++matched;
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(matched, 8);
  EXPECT_EQ(provider_->fetches, 1);
}

TEST_F(CachingCredentialsTest, CallersDuringARefreshKeepSigningWithTheOldSet) {
  auto credentials = make();
  std::atomic<bool> refreshing{false};
  std::atomic<bool> release{false};
  provider_->then([&] { return keys("FIRST", clock_.now() + std::chrono::hours(1)); });
  provider_->then([&] {
    refreshing = true;
    for (int i = 0; i < 1000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return keys("SECOND", clock_.now() + std::chrono::hours(1));
  });
  credentials.current();
  clock_.advance(minutes(56));
  std::thread refresher([&] { credentials.current(); });
  for (int i = 0; i < 1000 && !refreshing; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(credentials.current().access_key_id, "FIRST");
  release = true;
  refresher.join();
  EXPECT_EQ(credentials.current().access_key_id, "SECOND");
}

}  // namespace
}  // namespace kinesyslog::aws
