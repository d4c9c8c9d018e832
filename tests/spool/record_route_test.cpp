// Routes in spool file names: written by publish/prepare, read back by scan, exactly; names
// without one (ours from before, the original Python relay's) read as "no route".
#include "spool/record_route.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "spool/spool.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::spool {
namespace {

using namespace std::chrono_literals;
using testing::gzip_member;
using testing::TemporaryDirectory;
using testing::write_whole_file;

const WallTime kRouteTime = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h;

TEST(RecordRoute, SuffixRoundTripsForIpv4AndIpv6) {
  for (const RecordRoute& route : {RecordRoute{"10.1.2.3", 514}, RecordRoute{"2001:db8::1", 6514},
                                   RecordRoute{"::1", 1}, RecordRoute{"fe80::1:2", 65535}, RecordRoute{"0.0.0.0", 0}}) {
    const std::string name = "firehose_event-0000000000000000001-0000001-000000000001" + route_suffix(route);
    EXPECT_EQ(name.find(':'), std::string::npos) << name;
    EXPECT_EQ(route_from_name(name), route) << name;
  }
  EXPECT_EQ(route_suffix(RecordRoute{"2001:db8::1", 514}), "~2001_db8__1~514");
  EXPECT_EQ(route_suffix(RecordRoute{"10.1.2.3", 514}), "~10.1.2.3~514");
}

TEST(RecordRoute, NamesWithoutARouteReadAsEmpty) {
  EXPECT_EQ(route_suffix(RecordRoute{}), "");
  EXPECT_TRUE(route_from_name("firehose_event-1772384400000000000-0012345-000000000007").empty());
  EXPECT_TRUE(route_from_name("firehose_event-k2x9_q1").empty());  // the original's mkstemp names
  EXPECT_TRUE(route_from_name("firehose_event-").empty());
}

TEST(RecordRoute, TextWeWouldNotHaveWrittenIsNoRoute) {
  for (const char* name : {"firehose_event-1~host~514", "firehose_event-1~10.1.2.3~65536",
                           "firehose_event-1~10.1.2.3~0514", "firehose_event-1~10.1.2.3~", "firehose_event-1~10.1.2.3",
                           "firehose_event-1~2001_DB8__1~514", "firehose_event-1~~514", "~10.1.2.3~514x"}) {
    EXPECT_TRUE(route_from_name(name).empty()) << name;
  }
}

class RoutedSpoolTest : public ::testing::Test {
 protected:
  TemporaryDirectory directory_;
  ManualClock clock_{kRouteTime};
};

TEST_F(RoutedSpoolTest, PublishNamesTheFileAfterItsRouteAndScanReadsItBack) {
  Spool spool(directory_.path(), clock_);
  const SpoolFile v4 = spool.publish(gzip_member("a"), RecordRoute{"10.1.2.3", 514});
  const SpoolFile v6 = spool.publish(gzip_member("b"), RecordRoute{"2001:db8::1", 6514});
  const SpoolFile none = spool.publish(gzip_member("c"));
  EXPECT_EQ(v4.source, "10.1.2.3");
  EXPECT_EQ(v4.port, 514);
  EXPECT_TRUE(v4.name.ends_with("~10.1.2.3~514")) << v4.name;
  EXPECT_TRUE(v6.name.ends_with("~2001_db8__1~6514")) << v6.name;
  EXPECT_EQ(none.source, "");
  EXPECT_EQ(none.name.find('~'), std::string::npos) << none.name;

  Spool restarted(directory_.path(), clock_);
  const std::vector<SpoolFile> found = restarted.scan();
  ASSERT_EQ(found.size(), 3U);
  EXPECT_EQ(found[0].name, v4.name);
  EXPECT_EQ(found[0].source, "10.1.2.3");
  EXPECT_EQ(found[0].port, 514);
  EXPECT_EQ(found[1].source, "2001:db8::1");
  EXPECT_EQ(found[1].port, 6514);
  EXPECT_EQ(found[2].source, "");
  EXPECT_EQ(found[2].port, 0);
}

TEST_F(RoutedSpoolTest, RoutesKeepTheOldestFirstOrderOfNames) {
  Spool spool(directory_.path(), clock_);
  // Same clock reading: the order within the process decides, whatever the routes say.
  std::vector<std::string> published;
  published.push_back(spool.publish(gzip_member("1"), RecordRoute{"99.0.0.1", 9}).name);
  published.push_back(spool.publish(gzip_member("2")).name);
  published.push_back(spool.publish(gzip_member("3"), RecordRoute{"1.0.0.1", 1}).name);
  std::vector<std::string> scanned;
  for (const SpoolFile& file : spool.scan()) scanned.push_back(file.name);
  EXPECT_EQ(scanned, published);
}

TEST_F(RoutedSpoolTest, TheOriginalsAndOurOlderFilesAreFoundWithoutARoute) {
  write_whole_file(directory_.path() / "firehose_event-k2x9_q1", gzip_member("python"));
  write_whole_file(directory_.path() / "firehose_event-1772384400000000000-0012345-000000000007", gzip_member("old"));
  Spool spool(directory_.path(), clock_);
  const std::vector<SpoolFile> found = spool.scan();
  ASSERT_EQ(found.size(), 2U);
  for (const SpoolFile& file : found) {
    EXPECT_EQ(file.source, "") << file.name;
    EXPECT_EQ(file.port, 0) << file.name;
  }
}

TEST_F(RoutedSpoolTest, TwoPhasePublishAndRollForwardKeepTheRoute) {
  Spool spool(directory_.path(), clock_);
  PreparedRecord prepared = spool.prepare(gzip_member("x"), RecordRoute{"::1", 601});
  EXPECT_TRUE(prepared.temporary_name().find("~__1~601") != std::string::npos) << prepared.temporary_name();
  const SpoolFile committed = spool.commit(std::move(prepared));
  EXPECT_EQ(committed.source, "::1");
  EXPECT_EQ(committed.port, 601);

  // A crash between the commit log and the rename: recovery renames the temporary into place.
  PreparedRecord crashed = spool.prepare(gzip_member("y"), RecordRoute{"10.9.8.7", 514});
  const std::string temporary = crashed.temporary_name();
  Spool restarted(directory_.path(), clock_);
  ASSERT_TRUE(restarted.roll_forward(temporary));
  const std::vector<SpoolFile> found = restarted.scan();
  ASSERT_EQ(found.size(), 2U);
  EXPECT_TRUE(std::any_of(found.begin(), found.end(),
                          [](const SpoolFile& file) { return file.source == "10.9.8.7" && file.port == 514; }));
  spool.discard(std::move(crashed));  // already renamed away: nothing left to remove
}

}  // namespace
}  // namespace kinesyslog::spool
