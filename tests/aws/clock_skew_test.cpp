#include "aws/clock_skew.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "aws/iso8601.hpp"
#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"
#include "aws/sigv4_signer.hpp"
#include "support/static_credentials_source.hpp"
#include "scripted_transport.hpp"

namespace kinesyslog::aws {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedTransport;

// This host's clock: 20 minutes ahead of AWS's, which reads 2026-11-30 01:38:07.
const WallTime kAwsNow = *parse_http_date("Mon, 30 Nov 2026 01:38:07 GMT");
const WallTime kLocalNow = kAwsNow + 20min;

HttpResponse with_date(long status, std::string body, std::string date = "Mon, 30 Nov 2026 01:38:07 GMT") {
  return HttpResponse{status, {{"Content-Type", "application/x-amz-json-1.1"}, {"Date", std::move(date)}}, std::move(body)};
}

// Firehose's (JSON protocol) and STS's (query protocol) answers to a signature made 20 minutes ahead.
HttpResponse firehose_not_yet_current() {
  return with_date(400, R"json({"__type":"InvalidSignatureException","message":"Signature not yet current: )json"
                        R"json(20261130T015807Z is still later than 20261130T015307Z (20261130T013807Z + 15 min.)"})json");
}
HttpResponse sts_expired(std::string date = "Mon, 30 Nov 2026 01:38:07 GMT") {
  return with_date(403,
                   "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature "
                   "expired: 20261130T011807Z is now earlier than 20261130T012307Z (20261130T013807Z - 15 min.)"
                   "</Message></Error><RequestId>r</RequestId></ErrorResponse>",
                   std::move(date));
}
HttpResponse wrong_secret() {
  return with_date(400, R"json({"__type":"InvalidSignatureException","message":"The request signature we )json"
                        R"json(calculated does not match the signature you provided."})json");
}

TEST(ClockSkewClassification, SignatureTimeRefusalsAreSkewAndRetried) {
  for (const HttpResponse& answer : {firehose_not_yet_current(), sts_expired(),
                                     with_date(403, "<Error><Code>RequestTimeTooSkewed</Code></Error>")}) {
    const ServiceError error = any_service_error(answer);
    EXPECT_TRUE(is_clock_skew(error)) << error.describe();
    EXPECT_EQ(error_action(error), ErrorAction::kRetry) << error.describe();
  }
}

TEST(ClockSkewClassification, AWrongSignatureIsStillDefinitive) {
  const ServiceError error = any_service_error(wrong_secret());
  EXPECT_FALSE(is_clock_skew(error));
  EXPECT_EQ(error_action(error), ErrorAction::kGiveUp);
  EXPECT_EQ(error_action(ServiceError{403, "SignatureDoesNotMatch", "The request signature we calculated does not "
                                                                    "match the signature you provided."}),
            ErrorAction::kGiveUp);
}

TEST(ClockSkew, OffsetIsAwsDateMinusLocalTimeOfTheAnswer) {
  ClockSkew skew;
  EXPECT_EQ(skew.correct_from(firehose_not_yet_current(), kLocalNow), std::chrono::milliseconds(-20min));
  EXPECT_EQ(skew.offset(), -20min);
  EXPECT_EQ(skew.aws_time(kLocalNow + 5s), kAwsNow + 5s);
  // A clock that was slow: the offset follows the latest refusal.
  EXPECT_EQ(skew.correct_from(sts_expired(), kAwsNow - 1h), std::chrono::milliseconds(1h));
  EXPECT_EQ(skew.aws_time(kAwsNow - 1h), kAwsNow);
}

TEST(ClockSkew, OtherAnswersChangeNothing) {
  ClockSkew skew;
  skew.set_offset(7s);
  EXPECT_EQ(skew.correct_from(wrong_secret(), kLocalNow), std::nullopt);
  EXPECT_EQ(skew.correct_from(with_date(200, "{}"), kLocalNow), std::nullopt);
  EXPECT_EQ(skew.correct_from(with_date(400, R"({"__type":"ExpiredTokenException","message":"expired"})"), kLocalNow),
            std::nullopt);
  EXPECT_EQ(skew.offset(), 7s);
}

TEST(ClockSkew, ARefusalWithoutAReadableDateChangesNothing) {
  ClockSkew skew;
  HttpResponse no_date = firehose_not_yet_current();
  no_date.headers.clear();
  EXPECT_EQ(skew.correct_from(no_date, kLocalNow), std::nullopt);
  EXPECT_EQ(skew.correct_from(sts_expired("Monday, 30-Nov-26 01:38:07 GMT"), kLocalNow), std::nullopt);
  EXPECT_EQ(skew.offset(), 0ms);
}

TEST(ClockSkew, SharedBetweenThreads) {
  ClockSkew skew;
  std::vector<std::jthread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < 1000; ++n) {
        skew.correct_from(firehose_not_yet_current(), kLocalNow);
        const auto seen = skew.aws_time(kLocalNow);
        EXPECT_TRUE(seen == kLocalNow || seen == kAwsNow);
      }
    });
  }
  threads.clear();
  EXPECT_EQ(skew.offset(), -20min);
}

class SkewedSignedClient : public ::testing::Test {
 protected:
  ManualClock clock_{kLocalNow};
  ScriptedTransport transport_;
  StaticCredentialsSource credentials_{Credentials{"AKID", "SECRET", {}, {}}};
  ClockSkew skew_;
  SignedClient firehose_{*parse_endpoint_url("https://firehose.us-east-1.amazonaws.com"),
                         SigV4Signer("us-east-1", "firehose"), credentials_, transport_, clock_, {}, skew_};
};

TEST_F(SkewedSignedClient, SignsWithTheCorrectedTime) {
  skew_.set_offset(-20min);
  transport_.expect("POST", "/", 200, "{}");
  firehose_.send(json_1_1_request("Firehose_20150804.DescribeDeliveryStream", "{}"));
  EXPECT_EQ(transport_.sent.at(0).request.header("X-Amz-Date"), amz_date(kAwsNow));
}

TEST_F(SkewedSignedClient, ASkewRefusalIsSignedAgainWithAwsTimeAndSentAtOnce) {
  transport_.expect("POST", "/", firehose_not_yet_current());
  transport_.expect("POST", "/", 200, R"({"DeliveryStreamDescription":{"DeliveryStreamStatus":"ACTIVE"}})");
  const HttpResponse answer = firehose_.send(json_1_1_request("Firehose_20150804.DescribeDeliveryStream", "{}"));
  EXPECT_EQ(answer.status, 200);
  ASSERT_EQ(transport_.sent.size(), 2u);
  EXPECT_EQ(transport_.sent[0].request.header("X-Amz-Date"), amz_date(kLocalNow));
  EXPECT_EQ(transport_.sent[1].request.header("X-Amz-Date"), amz_date(kAwsNow));
  EXPECT_NE(transport_.sent[1].request.header("Authorization"), transport_.sent[0].request.header("Authorization"));
  // Later calls (any client sharing this ClockSkew) start with AWS's time.
  transport_.expect("POST", "/", 200, "{}");
  clock_.advance(10s);
  firehose_.send(json_1_1_request("Firehose_20150804.PutRecordBatch", "{}"));
  EXPECT_EQ(transport_.sent.at(2).request.header("X-Amz-Date"), amz_date(kAwsNow + 10s));
}

TEST_F(SkewedSignedClient, OnlyOneImmediateRetry) {
  transport_.expect("POST", "/", firehose_not_yet_current());
  transport_.expect("POST", "/", firehose_not_yet_current());
  const HttpResponse answer = firehose_.send(json_1_1_request("Firehose_20150804.DescribeDeliveryStream", "{}"));
  EXPECT_EQ(answer.status, 400);  // the caller's retry policy takes it from here (kRetry)
  EXPECT_EQ(transport_.sent.size(), 2u);
  EXPECT_TRUE(transport_.finished());
}

}  // namespace
}  // namespace kinesyslog::aws
