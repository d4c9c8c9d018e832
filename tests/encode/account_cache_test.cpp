#include "encode/account_cache.hpp"

#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"

namespace kinesyslog::encode {
namespace {

TEST(AccountCache, RemembersTheAccountForTheNextRun) {
  testing::TemporaryDirectory spool;
  EXPECT_FALSE(read_cached_account(spool.path()));
  remember_account(spool.path(), "123456789012");
  EXPECT_EQ(read_cached_account(spool.path()), "123456789012");
  remember_account(spool.path(), "210987654321");
  EXPECT_EQ(read_cached_account(spool.path()), "210987654321");
}

TEST(AccountCache, IgnoresAnythingButTwelveDigits) {
  testing::TemporaryDirectory spool;
  remember_account(spool.path(), "12345");
  EXPECT_FALSE(read_cached_account(spool.path()));
  spool.write(std::string(kAccountCacheName), "not-an-account\n");
  EXPECT_FALSE(read_cached_account(spool.path()));
}

TEST(AccountCache, IsNeverTakenForASpoolRecord) {
  EXPECT_FALSE(std::string_view(kAccountCacheName).starts_with("firehose_event-"));
}

}  // namespace
}  // namespace kinesyslog::encode
