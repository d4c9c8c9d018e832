#include "batch/open_batch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "batch_test_support.hpp"

namespace kinesyslog::batch {
namespace {

using namespace std::chrono_literals;
using testing::event_json;
using testing::make_event;
using testing::make_key;

constexpr char kId7[] = "12345678901234567890000000000000000000000000000000000007";

TEST(OpenBatch, EventIsWrittenAsCompactJsonObject) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(7, "<13>1 2018-02-21T21:07:50.239881+00:00 host app - - - hi"), WallTime{}, SteadyTime{});
  const ClosedBatch closed = batch.close();
  EXPECT_EQ(closed.events_json, std::string(R"({"id":")") + kId7 +
                                    R"(","timestamp":1519247270239,"message":"<13>1 2018-02-21T21:07:50.239881+00:00 host app - - - hi"})");
}

TEST(OpenBatch, PrefixIsEscapedAndPlacedBeforeBody) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(7, "app: \"x\"\xff", "<13>1 2018-02-21T21:07:50.000000Z 10.0.0.1 "), WallTime{}, SteadyTime{});
  EXPECT_EQ(batch.close().events_json, std::string(R"({"id":")") + kId7 +
                                           R"(","timestamp":1519247270239,"message":"<13>1 2018-02-21T21:07:50.000000Z 10.0.0.1 app: \"x\"\\xff"})");
}

TEST(OpenBatch, NegativeTimestampIsWrittenAsSignedInteger) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(1, "x", {}, -1500), WallTime{}, SteadyTime{});
  EXPECT_NE(batch.close().events_json.find(R"("timestamp":-1500,)"), std::string::npos);
}

TEST(OpenBatch, EventsAreCommaSeparatedWithEndOffsets) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(1, "first"), WallTime{}, SteadyTime{});
  batch.append(make_event(2, "second"), WallTime{}, SteadyTime{});
  const ClosedBatch closed = batch.close();
  const std::string first = event_json(make_event(1, "first"));
  const std::string second = event_json(make_event(2, "second"));
  EXPECT_EQ(closed.events_json, first + "," + second);
  ASSERT_EQ(closed.event_count(), 2u);
  EXPECT_EQ(closed.event_ends[0], first.size());
  EXPECT_EQ(closed.event_ends[1], first.size() + 1 + second.size());
}

TEST(OpenBatch, RawBytesCountPrefixAndBodyBeforeEscaping) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(1, "\"\xff\n", "ab"), WallTime{}, SteadyTime{});
  batch.append(make_event(2, "xyz"), WallTime{}, SteadyTime{});
  EXPECT_EQ(batch.raw_bytes(), 8u);
  EXPECT_EQ(batch.close().raw_bytes, 8u);
}

TEST(OpenBatch, FirstEventSetsReceiveAndOpenTimes) {
  OpenBatch batch(make_key("10.1.2.3", 514));
  const WallTime received = WallTime{} + 1000s;
  const SteadyTime opened = SteadyTime{} + 5s;
  batch.append(make_event(1, "a"), received, opened);
  batch.append(make_event(2, "b"), received + 30s, opened + 30s);
  EXPECT_EQ(batch.opened(), opened);
  const ClosedBatch closed = batch.close();
  EXPECT_EQ(closed.first_received, received);
  EXPECT_EQ(closed.key, make_key("10.1.2.3", 514));
}

TEST(OpenBatch, CloseLeavesAnEmptyReusableBatch) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(make_event(1, "a"), WallTime{}, SteadyTime{});
  (void)batch.close();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.raw_bytes(), 0u);
  batch.append(make_event(2, "b"), WallTime{}, SteadyTime{} + 9s);
  const ClosedBatch closed = batch.close();
  EXPECT_EQ(closed.events_json, event_json(make_event(2, "b")));
  EXPECT_EQ(closed.event_count(), 1u);
}

}  // namespace
}  // namespace kinesyslog::batch
