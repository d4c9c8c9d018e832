#include "deliver/call_settlement.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kRecordLimit = 1000;  // stands for Firehose's record limit
constexpr double kHalf = 0.5;            // the jitter drawn for the call

const RetryBackoff& backoff() {
  static const RetryBackoff backoff(1s, 5min, 1);
  return backoff;
}

RetryState retry(uint32_t consecutive_call_failures = 0) { return RetryState{backoff(), kHalf, consecutive_call_failures}; }

CallRecord record(Fate fate, uint32_t failures = 0, uint64_t bytes = 10) {
  CallRecord record;
  record.fate = fate;
  record.bytes = bytes;
  record.failures = failures;
  if (fate == Fate::kAccepted) record.outcome = RecordOutcome::accept("id");
  if (fate == Fate::kRejected) record.outcome = RecordOutcome::reject("ServiceUnavailableException", "Slow down.");
  return record;
}

CallResult answered() {
  CallResult result;
  result.answered = true;
  return result;
}

CallResult failed_whole(bool fatal) {
  CallResult result;
  result.failure = CallFailure{fatal, "the fake says no"};
  return result;
}

Settlement settle_call(const std::vector<CallRecord>& call, const CallResult& result, const RetryState& state = retry()) {
  return settle(call, result, state, "fake destination", kRecordLimit);
}

std::vector<Step> steps(const Settlement& plan) {
  std::vector<Step> steps;
  for (const RecordStep& step : plan.records) steps.push_back(step.step);
  return steps;
}

TEST(CallSettlement, AcceptedRecordsAreRemovedAndNothingPauses) {
  const Settlement plan = settle_call({record(Fate::kAccepted), record(Fate::kAccepted)}, answered(), retry(3));
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kRemove, Step::kRemove}));
  EXPECT_EQ(plan.delivered, 2U);
  EXPECT_EQ(plan.failed, 0U);
  EXPECT_FALSE(plan.pause);
  EXPECT_FALSE(plan.rejected);
  EXPECT_EQ(plan.consecutive_call_failures, 0U) << "an answer ends a run of failed calls";
  for (const RecordStep& step : plan.records) EXPECT_FALSE(step.failure);
}

TEST(CallSettlement, RejectedRecordsBackOffOnTheirOwnAttemptCount) {
  const Settlement plan =
      settle_call({record(Fate::kRejected, 0), record(Fate::kAccepted), record(Fate::kRejected, 3)}, answered());
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kBackOff, Step::kRemove, Step::kBackOff}));
  EXPECT_EQ(plan.records[0].delay, 500ms);  // half of 1 s
  EXPECT_EQ(plan.records[2].delay, 4s);     // half of 1 s · 2^3
  EXPECT_EQ(plan.records[0].failure, "Slow down.");
  EXPECT_EQ(plan.delivered, 1U);
  EXPECT_EQ(plan.failed, 2U);
  ASSERT_TRUE(plan.rejected);
  EXPECT_EQ(plan.rejected->count, 2U);
  EXPECT_EQ(plan.rejected->of, 3U);
  EXPECT_EQ(plan.rejected->first_code, "ServiceUnavailableException");
  EXPECT_EQ(plan.rejected->first_message, "Slow down.");
  EXPECT_FALSE(plan.pause) << "rejections inside an answered call pause nothing";
}

TEST(CallSettlement, RecordsNotReadAreForgottenOrRetriedAndNeverReported) {
  const Settlement plan = settle_call(
      {record(Fate::kGone), record(Fate::kNotARecord), record(Fate::kUnreadable, 2), record(Fate::kAccepted)},
      answered());
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kForgetVanished, Step::kForget, Step::kBackOff, Step::kRemove}));
  EXPECT_EQ(plan.records[2].delay, 2s);  // half of 1 s · 2^2
  for (const RecordStep& step : plan.records) EXPECT_FALSE(step.failure);
  EXPECT_EQ(plan.failed, 1U) << "a file that is not a record counts as failed; a vanished or unreadable one does not";
  EXPECT_EQ(plan.delivered, 1U);
}

TEST(CallSettlement, RecordsNotSentAreReadyAgain) {
  CallResult result = failed_whole(false);
  const Settlement plan = settle_call({record(Fate::kCallFailed), record(Fate::kNotSent)}, result);
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kBackOff, Step::kReady}));
  EXPECT_FALSE(plan.records[1].failure);
  EXPECT_EQ(plan.failed, 1U);
}

TEST(CallSettlement, AWholeFailedCallPausesEveryCallForTheBackoffOfTheFailuresInARow) {
  const Settlement first = settle_call({record(Fate::kCallFailed), record(Fate::kCallFailed, 4)}, failed_whole(false));
  ASSERT_TRUE(first.pause);
  EXPECT_FALSE(first.pause->fatal);
  EXPECT_EQ(first.pause->duration, 500ms);
  EXPECT_EQ(first.pause->records, 2U);
  EXPECT_EQ(first.pause->error, "the fake says no");
  EXPECT_EQ(first.consecutive_call_failures, 1U);
  // Its records wait for the pause, whatever their own attempt count.
  EXPECT_EQ(steps(first), (std::vector<Step>{Step::kBackOff, Step::kBackOff}));
  for (const RecordStep& step : first.records) {
    EXPECT_EQ(step.delay, 500ms);
    EXPECT_EQ(step.failure, "the fake says no");
  }
  EXPECT_EQ(first.failed, 2U);

  const Settlement third = settle_call({record(Fate::kCallFailed)}, failed_whole(false), retry(2));
  ASSERT_TRUE(third.pause);
  EXPECT_EQ(third.pause->duration, 2s);  // half of 1 s · 2^2
  EXPECT_EQ(third.consecutive_call_failures, 3U);
}

TEST(CallSettlement, AFatalFailurePausesForTheCap) {
  const Settlement plan = settle_call({record(Fate::kCallFailed)}, failed_whole(true), retry(7));
  ASSERT_TRUE(plan.pause);
  EXPECT_TRUE(plan.pause->fatal);
  EXPECT_EQ(plan.pause->duration, 5min);
  EXPECT_EQ(plan.records[0].delay, 5min);
  EXPECT_EQ(plan.consecutive_call_failures, 8U);
}

TEST(CallSettlement, ARecordRefusedAloneWhileOthersWereAcceptedIsQuarantined) {
  CallResult result = answered();
  result.invalid_error = "ValidationException (HTTP 400): too long";
  const Settlement plan =
      settle_call({record(Fate::kAccepted), record(Fate::kInvalid), record(Fate::kAccepted)}, result, retry(2));
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kRemove, Step::kQuarantine, Step::kRemove}));
  EXPECT_EQ(plan.quarantine_reason, "refused when sent alone: ValidationException (HTTP 400): too long");
  EXPECT_EQ(plan.records[1].failure, "ValidationException (HTTP 400): too long");
  EXPECT_EQ(plan.delivered, 2U);
  EXPECT_EQ(plan.failed, 1U);
  EXPECT_FALSE(plan.pause) << "nothing is paused: the next records go out with the next interval";
  EXPECT_EQ(plan.consecutive_call_failures, 0U);
}

TEST(CallSettlement, ACallRefusedWhateverItsSplitIsAFatalFailureThatQuarantinesNothing) {
  CallResult result = answered();
  result.invalid_error = "InvalidArgumentException (HTTP 400): not permitted";
  const Settlement plan = settle_call(
      {record(Fate::kInvalid), record(Fate::kInvalid), record(Fate::kInvalid), record(Fate::kInvalid)}, result);
  EXPECT_EQ(steps(plan), std::vector<Step>(4, Step::kBackOff)) << "every record stays in the spool";
  ASSERT_TRUE(plan.pause);
  EXPECT_TRUE(plan.pause->fatal);
  EXPECT_EQ(plan.pause->duration, 5min);
  EXPECT_EQ(plan.pause->records, 4U);
  const std::string error =
      "fake destination refused every part of a call of 4 records, each record alone too, so the refusal is not about "
      "one record: InvalidArgumentException (HTTP 400): not permitted";
  EXPECT_EQ(plan.pause->error, error);
  for (const RecordStep& step : plan.records) {
    EXPECT_EQ(step.delay, 5min);
    EXPECT_EQ(step.failure, error);
  }
  EXPECT_EQ(plan.delivered, 0U);
  EXPECT_EQ(plan.failed, 4U);
}

TEST(CallSettlement, ARecordOverTheLimitRefusedAloneIsQuarantinedEvenWhenNothingIsAccepted) {
  CallResult result = answered();
  result.invalid_error = "ValidationException (HTTP 400): too long";
  const Settlement plan = settle_call({record(Fate::kInvalid, 0, kRecordLimit + 1)}, result);
  EXPECT_EQ(steps(plan), std::vector<Step>{Step::kQuarantine});
  EXPECT_FALSE(plan.pause);
  EXPECT_EQ(plan.failed, 1U);
}

TEST(CallSettlement, ARecordAtTheLimitRefusedAloneWhileNothingIsAcceptedWaits) {
  CallResult result = answered();
  result.invalid_error = "ValidationException (HTTP 400): refused";
  const Settlement plan = settle_call({record(Fate::kInvalid, 0, kRecordLimit)}, result);
  EXPECT_EQ(steps(plan), std::vector<Step>{Step::kBackOff});
  ASSERT_TRUE(plan.pause);
  EXPECT_TRUE(plan.pause->fatal);
}

// The first half of a split call was throttled: the refused record found before it waits with
// the call, under the call's own failure.
TEST(CallSettlement, RefusalsHeldWhileAPartFailedWholeWaitForThatFailuresPause) {
  CallResult result = answered();
  result.invalid_error = "ValidationException (HTTP 400): too long";
  result.failure = CallFailure{false, "throttled"};
  const Settlement plan =
      settle_call({record(Fate::kInvalid), record(Fate::kCallFailed), record(Fate::kNotSent)}, result, retry(5));
  EXPECT_EQ(steps(plan), (std::vector<Step>{Step::kBackOff, Step::kBackOff, Step::kReady}));
  ASSERT_TRUE(plan.pause);
  EXPECT_FALSE(plan.pause->fatal);
  EXPECT_EQ(plan.pause->error, "throttled");
  EXPECT_EQ(plan.pause->records, 2U);
  EXPECT_EQ(plan.pause->duration, 500ms) << "the answered part ended the run of failures first";
  EXPECT_EQ(plan.records[0].failure, "throttled");
  EXPECT_EQ(plan.consecutive_call_failures, 1U);
  EXPECT_EQ(plan.failed, 2U);
}

TEST(CallSettlement, AnUnansweredCallKeepsTheRunOfFailures) {
  const Settlement plan = settle_call({record(Fate::kGone)}, CallResult{}, retry(4));
  EXPECT_EQ(plan.consecutive_call_failures, 4U);
  EXPECT_FALSE(plan.pause);
}

}  // namespace
}  // namespace kinesyslog::deliver
