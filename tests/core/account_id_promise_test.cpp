#include "core/account_id_promise.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace kinesyslog {
namespace {

TEST(AccountIdPromise, WaitBlocksUntilTheAccountIsSet) {
  AccountIdPromise owner;
  std::optional<std::string> seen;
  std::thread encoder([&] { seen = owner.wait(); });
  owner.set("123456789012");
  encoder.join();
  EXPECT_EQ(seen, "123456789012");
}

TEST(AccountIdPromise, CancelReleasesWaitersWithoutAnAccount) {
  AccountIdPromise owner;
  std::optional<std::string> seen = "unset";
  std::thread encoder([&] { seen = owner.wait(); });
  EXPECT_FALSE(owner.wait_until(SteadyTime::clock::now() + std::chrono::milliseconds(20)));
  owner.cancel();
  encoder.join();
  EXPECT_EQ(seen, std::nullopt);
}

TEST(AccountIdPromiseAssumed, StsReplacesTheCachedAccountAndWaitersSeeEither) {
  AccountIdPromise owner;
  owner.assume("111111111111");
  EXPECT_EQ(owner.wait(), "111111111111");
  EXPECT_EQ(owner.confirmed_account(), std::nullopt);
  owner.assume("333333333333");  // a second guess changes nothing
  EXPECT_EQ(owner.wait(), "111111111111");
  owner.set("222222222222");
  EXPECT_EQ(owner.confirmed_account(), "222222222222");
  EXPECT_EQ(owner.wait(), "222222222222");
  owner.set("444444444444");  // the first confirmed account stays
  EXPECT_EQ(owner.wait(), "222222222222");
}

}  // namespace
}  // namespace kinesyslog
