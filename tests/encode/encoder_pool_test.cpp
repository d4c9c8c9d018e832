// The encoder stage on its own, with a fake spool and a hand-driven clock: the retry while the
// spool refuses, the account that arrives late or only from the cache, and the shutdown losses.
#include "encode/encoder_pool.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "batch/batch_test_support.hpp"
#include "batch/open_batch.hpp"
#include "core/gzip_member_reader.hpp"
#include "core/record.hpp"
#include "encode/account_cache.hpp"
#include "spool/spool.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::encode {
namespace {

using namespace std::chrono_literals;
using batch::testing::make_event;
using batch::testing::make_key;

ClosedBatch batch_of(size_t events) {
  batch::OpenBatch open(make_key("192.0.2.7", 5514));
  for (size_t i = 0; i < events; ++i) open.append(make_event(i + 1, "message"), WallTime{}, SteadyTime{});
  return open.close();
}

// A batch as a journaled table closes it: positions first_seq, first_seq + 1, … in journal `id`.
ClosedBatch journaled_batch_of(size_t events, JournalId id, JournalSeq first_seq) {
  ClosedBatch batch = batch_of(events);
  batch.journal = id;
  for (size_t i = 0; i < events; ++i) batch.journal_seqs.push_back(first_seq + i);
  return batch;
}

std::string gunzip(std::string_view record) {
  GzipMemberReader reader(record);
  std::string json;
  EXPECT_EQ(reader.next(json), GzipMemberReader::Status::kMember) << reader.error();
  return json;
}

// Takes records, or throws what `next_failure` says for each attempt (none: the record is kept).
class FakePublisher final : public RecordPublisher {
 public:
  void publish(std::string_view record, const SourceKey& source, WallTime, const JournalCoverage& holds) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (failures_left_ > 0) {
      --failures_left_;
      throw std::runtime_error("No space left on device");
    }
    if (full_) throw spool::SpoolFullError("the spool holds 1024000 bytes");
    records_.emplace_back(record);
    sources_.push_back(source);
    published_seqs_.emplace_back(holds.seqs.begin(), holds.seqs.end());
    journals_.push_back(holds.journal);
  }
  void give_up(Loss loss, const JournalCoverage& events) override {
    std::lock_guard lock(mutex_);
    auto& seqs = given_up_[loss];
    seqs.insert(seqs.end(), events.seqs.begin(), events.seqs.end());
  }
  std::vector<std::vector<JournalSeq>> published_seqs() const {
    std::lock_guard lock(mutex_);
    return published_seqs_;
  }
  std::vector<JournalId> journals() const {
    std::lock_guard lock(mutex_);
    return journals_;
  }
  std::vector<JournalSeq> given_up(Loss loss) const {
    std::lock_guard lock(mutex_);
    const auto found = given_up_.find(loss);
    return found == given_up_.end() ? std::vector<JournalSeq>{} : found->second;
  }
  void fail_next(int attempts) {
    std::lock_guard lock(mutex_);
    failures_left_ = attempts;
  }
  void refuse_as_full() {
    std::lock_guard lock(mutex_);
    full_ = true;
  }
  int attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::vector<SourceKey> sources() const {
    std::lock_guard lock(mutex_);
    return sources_;
  }

 private:
  mutable std::mutex mutex_;
  int attempts_ = 0;
  int failures_left_ = 0;
  bool full_ = false;
  std::vector<std::string> records_;
  std::vector<SourceKey> sources_;  // each record's batch key, parallel to records_
  std::vector<std::vector<JournalSeq>> published_seqs_;
  std::vector<JournalId> journals_;
  std::map<Loss, std::vector<JournalSeq>> given_up_;
};

class CountingReporter final : public EncoderReporter {
 public:
  void lost(Loss loss, size_t events) override {
    std::lock_guard lock(mutex_);
    losses_[loss] += events;
  }
  void spool_failing(bool failing) override {
    std::lock_guard lock(mutex_);
    failing_ = failing;
  }
  void spool_commits_failing(bool /*failing*/) override {}
  size_t lost_events(Loss loss) const {
    std::lock_guard lock(mutex_);
    const auto found = losses_.find(loss);
    return found == losses_.end() ? 0 : found->second;
  }
  bool failing() const {
    std::lock_guard lock(mutex_);
    return failing_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<Loss, size_t> losses_;
  bool failing_ = false;
};

// Polls `done` for up to five seconds (the encoder threads run on their own).
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 5000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  return done();
}

class EncoderPoolTest : public ::testing::Test {
 protected:
  EncoderPoolConfig config(std::shared_ptr<AccountIdPromise> owner) {
    EncoderPoolConfig pool_config;
    pool_config.threads = 1;
    pool_config.owner = std::move(owner);
    pool_config.spool_dir = spool_dir.path();
    pool_config.retry_pause = 1ms;
    return pool_config;
  }

  testing::TemporaryDirectory spool_dir;
  ManualClock clock{WallTime{std::chrono::seconds(1'780'000'000)}};
  FakePublisher publisher;
  CountingReporter reporter;
};

TEST_F(EncoderPoolTest, EncodesABatchIntoARecordCarryingTheKnownAccount) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  pool.start();
  pool.submit(batch_of(3));
  ASSERT_TRUE(eventually([&] { return publisher.records().size() == 1; }));
  const std::string json = gunzip(publisher.records()[0]);
  EXPECT_NE(json.find(R"("owner":"123456789012")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("logGroup":"/kinesyslog/syslog/5514")"), std::string::npos) << json;
  // The batch's key goes along: the spool names the file after it, delivery picks its stream by it.
  EXPECT_EQ(publisher.sources()[0], make_key("192.0.2.7", 5514));
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
  EXPECT_FALSE(pool.running());
  EXPECT_EQ(read_cached_account(spool_dir.path()), "123456789012");  // confirmed: kept for the next start
}

TEST_F(EncoderPoolTest, SpoolFailuresAreRetriedUntilARecordIsWritten) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  publisher.fail_next(3);
  pool.start();
  pool.submit(batch_of(2));
  ASSERT_TRUE(eventually([&] { return publisher.records().size() == 1; }));
  EXPECT_EQ(publisher.attempts(), 4);
  EXPECT_FALSE(reporter.failing());  // the last attempt worked
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 0u);
}

TEST_F(EncoderPoolTest, PublishRetryEndsAtTheShutdownDeadlineAndCountsTheLoss) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  publisher.fail_next(1'000'000'000);  // the disk never recovers
  pool.start();
  pool.submit(batch_of(5));
  ASSERT_TRUE(eventually([&] { return publisher.attempts() >= 3; }));
  EXPECT_TRUE(reporter.failing());
  const SteadyTime deadline = clock.steady_now() + 9s;
  pool.begin_stop(deadline);
  const int attempts_before_deadline = publisher.attempts();
  ASSERT_TRUE(eventually([&] { return publisher.attempts() > attempts_before_deadline; }));
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 0u);  // before the deadline it keeps trying
  clock.advance(10s);
  ASSERT_TRUE(eventually([&] { return reporter.lost_events(Loss::kSpoolFailed) == 5; }));
  pool.finish(deadline);
  EXPECT_TRUE(publisher.records().empty());
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 5u);
}

TEST_F(EncoderPoolTest, ASpoolAtItsCapRefusesTheRecordWithoutRetrying) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  publisher.refuse_as_full();
  pool.start();
  pool.submit(batch_of(4));
  ASSERT_TRUE(eventually([&] { return reporter.lost_events(Loss::kSpoolFull) == 4; }));
  EXPECT_EQ(publisher.attempts(), 1);
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
}

TEST_F(EncoderPoolTest, BatchesWaitForAnAccountThatArrivesLate) {
  auto owner = std::make_shared<AccountIdPromise>();
  EncoderPool pool(config(owner), publisher, reporter, clock);
  pool.start();
  pool.submit(batch_of(1));
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(publisher.records().empty()) << "encoded before the account was known";
  owner->set("210987654321");
  ASSERT_TRUE(eventually([&] { return publisher.records().size() == 1; }));
  EXPECT_NE(gunzip(publisher.records()[0]).find(R"("owner":"210987654321")"), std::string::npos);
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
  EXPECT_EQ(read_cached_account(spool_dir.path()), "210987654321");
}

TEST_F(EncoderPoolTest, TheCachedAccountStandsInUntilStsAnswers) {
  remember_account(spool_dir.path(), "111122223333");
  auto owner = std::make_shared<AccountIdPromise>();
  EncoderPool pool(config(owner), publisher, reporter, clock);
  pool.start();
  pool.submit(batch_of(1));
  ASSERT_TRUE(eventually([&] { return publisher.records().size() == 1; }));
  EXPECT_NE(gunzip(publisher.records()[0]).find(R"("owner":"111122223333")"), std::string::npos);
  EXPECT_EQ(owner->confirmed_account(), std::nullopt);  // assumed, not confirmed
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 0u);
}

TEST_F(EncoderPoolTest, WithoutAnAccountOrACacheTheShutdownCountsTheBatchesAsLost) {
  auto owner = std::make_shared<AccountIdPromise>();
  EncoderPool pool(config(owner), publisher, reporter, clock);
  pool.start();
  pool.submit(batch_of(2));
  pool.submit(batch_of(3));
  const SteadyTime deadline = clock.steady_now() + 1s;
  pool.begin_stop(deadline);
  clock.advance(2s);
  pool.finish(deadline);  // the account wait ends at the deadline; the encoder gives up
  EXPECT_TRUE(publisher.records().empty());
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 5u);
  EXPECT_EQ(owner->confirmed_account(), std::nullopt);
}

TEST_F(EncoderPoolTest, APushIntoTheFullQueueFailsAtTheDeadlineAndIsCounted) {
  auto owner = std::make_shared<AccountIdPromise>();  // the encoder holds one batch, waiting for it
  EncoderPoolConfig pool_config = config(owner);
  pool_config.queue_batches = 1;
  EncoderPool pool(std::move(pool_config), publisher, reporter, clock);
  pool.start();
  pool.submit(batch_of(1));
  pool.submit(batch_of(2));  // waits in the queue, which is full now
  const SteadyTime deadline = clock.steady_now();
  pool.begin_stop(deadline);
  pool.submit(batch_of(4));  // no room by the deadline: dropped at once
  EXPECT_EQ(reporter.lost_events(Loss::kQueueFull), 4u);
  pool.finish(deadline);
  EXPECT_EQ(reporter.lost_events(Loss::kSpoolFailed), 3u);
  EXPECT_TRUE(publisher.records().empty());
}

TEST_F(EncoderPoolTest, ARecordSaysWhichJournalEntriesItHolds) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  pool.start();
  const JournalId journal{1'780'000'000'000'000'000ull, 1};
  pool.submit(journaled_batch_of(3, journal, 41));
  pool.submit(batch_of(2));  // not journaled: the record holds no entries
  pool.wait_until_idle();
  ASSERT_EQ(publisher.records().size(), 2u);
  EXPECT_EQ(publisher.published_seqs()[0], (std::vector<JournalSeq>{41, 42, 43}));
  EXPECT_EQ(publisher.journals()[0], journal);
  EXPECT_TRUE(publisher.published_seqs()[1].empty());
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
}

TEST_F(EncoderPoolTest, EventsOfARecordTheFullSpoolRefusedAreGivenUp) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  publisher.refuse_as_full();
  pool.start();
  pool.submit(journaled_batch_of(4, JournalId{7, 0}, 1));
  pool.wait_until_idle();
  EXPECT_EQ(publisher.given_up(Loss::kSpoolFull), (std::vector<JournalSeq>{1, 2, 3, 4}));
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
}

TEST_F(EncoderPoolTest, AnOversizeEventIsGivenUpAndItsNeighboursPublished) {
  EncoderPool pool(config(AccountIdPromise::known("123456789012")), publisher, reporter, clock);
  pool.start();
  batch::OpenBatch open(make_key("192.0.2.7", 5514));
  std::string huge(kFirehoseMaxRecordBytes * 2, ' ');
  uint32_t state = 1;
  for (char& c : huge) {  // incompressible enough that no record holds it
    state = state * 1103515245u + 12345u;
    c = static_cast<char>('A' + (state >> 16) % 26);
  }
  open.append(make_event(1, "before"), WallTime{}, SteadyTime{});
  open.append(make_event(2, huge), WallTime{}, SteadyTime{});
  open.append(make_event(3, "after"), WallTime{}, SteadyTime{});
  ClosedBatch batch = open.close();
  batch.journal = JournalId{9, 2};
  batch.journal_seqs = {10, 11, 12};
  pool.submit(std::move(batch));
  pool.wait_until_idle();
  EXPECT_EQ(publisher.given_up(Loss::kOversizeEvent), (std::vector<JournalSeq>{11}));
  std::vector<JournalSeq> published;
  for (const auto& seqs : publisher.published_seqs()) published.insert(published.end(), seqs.begin(), seqs.end());
  EXPECT_EQ(published, (std::vector<JournalSeq>{10, 12}));
  EXPECT_EQ(reporter.lost_events(Loss::kOversizeEvent), 1u);
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
}

TEST_F(EncoderPoolTest, ShutdownLossesAreGivenUpWithTheirPositions) {
  auto owner = std::make_shared<AccountIdPromise>();  // never known: the encoder gives up at the deadline
  EncoderPool pool(config(owner), publisher, reporter, clock);
  pool.start();
  pool.submit(journaled_batch_of(2, JournalId{5, 0}, 1));
  const SteadyTime deadline = clock.steady_now() + 1s;
  pool.begin_stop(deadline);
  clock.advance(2s);
  pool.finish(deadline);
  EXPECT_EQ(publisher.given_up(Loss::kSpoolFailed), (std::vector<JournalSeq>{1, 2}));
}

TEST_F(EncoderPoolTest, WaitUntilIdleReturnsOnlyOnceEverySubmittedBatchIsPublished) {
  EncoderPoolConfig pool_config = config(AccountIdPromise::known("123456789012"));
  pool_config.threads = 2;
  EncoderPool pool(std::move(pool_config), publisher, reporter, clock);
  publisher.fail_next(20);  // keeps the encoders busy retrying for a while
  pool.start();
  for (int i = 0; i < 50; ++i) pool.submit(batch_of(3));
  pool.wait_until_idle();
  EXPECT_EQ(publisher.records().size(), 50u);
  pool.begin_stop(clock.steady_now() + 5s);
  pool.finish(clock.steady_now() + 5s);
}

}  // namespace
}  // namespace kinesyslog::encode
