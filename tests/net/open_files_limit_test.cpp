#include "net/open_files_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace kinesyslog::net {
namespace {

TEST(OpenFilesLimit, ConnectionsGetWhatTheReserveAndTheListenersLeave) {
  EXPECT_EQ(connection_capacity(20000, 8), 20000u - kReservedDescriptors - 8);
  EXPECT_EQ(connection_capacity(65536, 0), 65536u - kReservedDescriptors);
}

TEST(OpenFilesLimit, ASmallLimitIsSharedHalfAndHalf) {
  EXPECT_EQ(connection_capacity(512, 4), 256u);
  EXPECT_EQ(connection_capacity(256, 4), 128u);
  EXPECT_EQ(connection_capacity(0, 4), 0u);
}

TEST(OpenFilesLimit, TheSoftLimitIsRaisedToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max == RLIM_INFINITY || original.rlim_max < 64) GTEST_SKIP() << "needs a finite hard limit";
  rlimit lowered = original;
  lowered.rlim_cur = 32;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const OpenFilesLimit limit = raise_open_files_limit();
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  ::setrlimit(RLIMIT_NOFILE, &original);
  EXPECT_EQ(limit.soft_before, 32u);
  EXPECT_EQ(limit.soft, original.rlim_max);
  EXPECT_EQ(limit.hard, original.rlim_max);
  EXPECT_EQ(now.rlim_cur, original.rlim_max);
}

}  // namespace
}  // namespace kinesyslog::net
