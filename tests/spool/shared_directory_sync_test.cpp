// Directory syncs shared by concurrent commits: fewer fsyncs than callers, none returns before a
// sync that began after its call, and a failed sync fails exactly the callers it covered.
#include "spool/shared_directory_sync.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::spool {
namespace {

std::atomic<int> syncs{0};
std::atomic<bool> fail_next{false};

void slow_counting_sync(int, const std::string& what) {
  ++syncs;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a disk's fsync: callers pile up meanwhile
  if (fail_next.exchange(false)) throw std::system_error(EIO, std::generic_category(), "syncing " + what);
}

TEST(SharedDirectorySync, ConcurrentCallersShareFsyncs) {
  syncs = 0;
  SharedDirectorySync shared(slow_counting_sync);
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) callers.emplace_back([&shared] { shared.sync(-1, "record"); });
  for (auto& caller : callers) caller.join();
  EXPECT_GE(syncs.load(), 1);
  EXPECT_LE(syncs.load(), 3);  // one started by the first caller, one covering all who came meanwhile
}

TEST(SharedDirectorySync, ACallAloneRunsItsOwnSync) {
  syncs = 0;
  SharedDirectorySync shared(slow_counting_sync);
  shared.sync(-1, "one");
  shared.sync(-1, "two");
  EXPECT_EQ(syncs.load(), 2);  // a sync that finished before a call never counts for it
}

TEST(SharedDirectorySync, AFailedSyncFailsItsCallersAndTheNextSucceeds) {
  syncs = 0;
  SharedDirectorySync shared(slow_counting_sync);
  fail_next = true;
  EXPECT_THROW(shared.sync(-1, "doomed"), std::system_error);
  EXPECT_NO_THROW(shared.sync(-1, "fine"));
  EXPECT_EQ(syncs.load(), 2);
}

}  // namespace
}  // namespace kinesyslog::spool
