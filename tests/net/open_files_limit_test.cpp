#include "net/open_files_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace kinesyslog::net {
namespace {

TEST(OpenFilesLimit, TheReserveGrowsWithTheThreadsAndTheMetricsCap) {
  EXPECT_EQ(reserved_descriptors({}), kFixedReservedDescriptors);
  // 128 cores, 4 ports: a socket per port and thread plus a claim per port, an epoll
  // descriptor and an eventfd per I/O thread, a spool file per encoder, 64 metrics connections.
  const OwnDescriptors own{4 * 128 + 4, 128, 128, 64};
  EXPECT_EQ(reserved_descriptors(own), 256u + 516 + 256 + 128 + 64);
  EXPECT_EQ(connection_capacity(20000, own), 20000u - 1220);
}

TEST(OpenFilesLimit, ConnectionsGetWhatTheReserveLeaves) {
  EXPECT_EQ(connection_capacity(20000, {8, 2, 2, 64}), 20000u - kFixedReservedDescriptors - 8 - 4 - 2 - 64);
  EXPECT_EQ(connection_capacity(65536, {}), 65536u - kFixedReservedDescriptors);
}

TEST(OpenFilesLimit, ASmallLimitIsSharedHalfAndHalf) {
  EXPECT_EQ(connection_capacity(512, {4, 0, 0, 0}), 256u);
  EXPECT_EQ(connection_capacity(256, {4, 0, 0, 0}), 128u);
  EXPECT_EQ(connection_capacity(0, {4, 0, 0, 0}), 0u);
  EXPECT_EQ(connection_capacity(1024, {4, 128, 128, 64}), 512u);  // the reserve alone is 708
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
