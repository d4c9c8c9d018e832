#include "deliver/firehose_startup_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <variant>

#include "support/static_credentials_source.hpp"

namespace kinesyslog::deliver {
namespace {

using ::testing::HasSubstr;

// Answers by X-Amz-Target / form Action from per-operation scripts.
class ScriptedAws final : public aws::HttpTransport {
 public:
  using Step = std::variant<aws::HttpResponse, aws::HttpTransportError>;
  aws::HttpResponse send(const aws::EndpointUrl&, const aws::HttpRequest& request, const aws::HttpTimeouts&) override {
    auto& script = request.header("X-Amz-Target") ? describe : caller_identity;
    Step step = script.front();
    if (script.size() > 1) script.pop_front();
    if (auto* error = std::get_if<aws::HttpTransportError>(&step)) throw *error;
    return std::get<aws::HttpResponse>(step);
  }
  std::deque<Step> describe;
  std::deque<Step> caller_identity;
};

aws::HttpResponse startup_answer(long status, std::string body) { return aws::HttpResponse{status, {}, std::move(body)}; }
aws::HttpResponse stream_is(const std::string& status) {
  return startup_answer(200, R"({"DeliveryStreamDescription":{"DeliveryStreamStatus":")" + status + R"("}})");
}
const aws::HttpResponse kAccount = startup_answer(
    200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn>"
         "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");

class FirehoseStartupCheckTest : public ::testing::Test {
 protected:
  ManualClock clock{WallTime{std::chrono::seconds(1'780'000'000)}};
  ScriptedAws transport;
  aws::StaticCredentialsSource credentials{aws::Credentials{"AKID", "SECRET", {}, {}}};
  aws::ClockSkew skew;
  aws::SignedClient firehose{*aws::parse_endpoint_url("https://firehose.us-east-1.amazonaws.com"),
                             aws::SigV4Signer("us-east-1", "firehose"), credentials, transport, clock, {}, skew};
  aws::SignedClient sts{*aws::parse_endpoint_url("https://sts.us-east-1.amazonaws.com"),
                        aws::SigV4Signer("us-east-1", "sts"), credentials, transport, clock, {}, skew};
  FirehoseStartupCheck check{"logs", firehose, sts};
};

TEST_F(FirehoseStartupCheckTest, ActiveStreamAndAccountMakeItReady) {
  transport.describe.push_back(stream_is("ACTIVE"));
  transport.caller_identity.push_back(kAccount);
  EXPECT_TRUE(check.attempt());
  EXPECT_EQ(check.account(), "123456789012");
}

TEST_F(FirehoseStartupCheckTest, StreamNotActiveIsRefusedNamingStreamAndStatus) {
  transport.describe.push_back(stream_is("CREATING"));
  transport.caller_identity.push_back(kAccount);
  try {
    check.attempt();
    FAIL() << "expected a refusal";
  } catch (const StartupRefused& refused) {
    EXPECT_THAT(refused.what(), HasSubstr("logs"));
    EXPECT_THAT(refused.what(), HasSubstr("CREATING"));
  }
}

TEST_F(FirehoseStartupCheckTest, MissingStreamIsRefused) {
  transport.describe.push_back(startup_answer(400, R"({"__type":"ResourceNotFoundException","message":"not found"})"));
  transport.caller_identity.push_back(kAccount);
  EXPECT_THROW(check.attempt(), StartupRefused);
}

TEST_F(FirehoseStartupCheckTest, UnknownKeyAtStsIsRefused) {
  transport.describe.push_back(stream_is("ACTIVE"));
  transport.caller_identity.push_back(startup_answer(
      403, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message>"
           "</Error></ErrorResponse>"));
  EXPECT_THROW(check.attempt(), StartupRefused);
}

TEST_F(FirehoseStartupCheckTest, UnreachableOrThrottledIsNotARefusalAndLaterAttemptsSucceed) {
  transport.describe.push_back(aws::HttpTransportError("Connection refused"));
  transport.describe.push_back(stream_is("ACTIVE"));
  transport.caller_identity.push_back(startup_answer(400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"));
  transport.caller_identity.push_back(kAccount);
  EXPECT_FALSE(check.attempt());
  EXPECT_THAT(check.last_problem(), HasSubstr("Connection refused"));
  EXPECT_THAT(check.last_problem(), HasSubstr("Throttling"));
  EXPECT_TRUE(check.attempt());
  EXPECT_EQ(check.account(), "123456789012");
}

// AWS's answers to a request signed more than 15 minutes away from its clock (a VM before NTP syncs).
const aws::HttpResponse kFirehoseSignatureNotYetCurrent = startup_answer(
    400, R"json({"__type":"InvalidSignatureException","message":"Signature not yet current: 20260528T203320Z is )json"
         R"json(still later than 20260528T202820Z (20260528T201320Z + 15 min.)"})json");
const aws::HttpResponse kStsSignatureExpired = startup_answer(
    403, "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature expired: "
         "20260528T195320Z is now earlier than 20260528T195820Z (20260528T201320Z - 15 min.)</Message></Error>"
         "</ErrorResponse>");

TEST_F(FirehoseStartupCheckTest, ClockSkewIsNotARefusalAndLaterAttemptsSucceed) {
  transport.describe.push_back(kFirehoseSignatureNotYetCurrent);
  transport.describe.push_back(stream_is("ACTIVE"));
  transport.caller_identity.push_back(kStsSignatureExpired);
  transport.caller_identity.push_back(kAccount);
  EXPECT_FALSE(check.attempt());
  EXPECT_THAT(check.last_problem(), HasSubstr("Signature not yet current"));
  EXPECT_THAT(check.last_problem(), HasSubstr("Signature expired"));
  EXPECT_TRUE(check.attempt());
  EXPECT_EQ(check.account(), "123456789012");
}

TEST_F(FirehoseStartupCheckTest, ClockSkewWithADateIsCorrectedWithinTheSameAttempt) {
  // AWS's clock is 20 minutes behind ours: 1'780'000'000 s - 1200 s.
  aws::HttpResponse refusal = kFirehoseSignatureNotYetCurrent;
  refusal.headers = {{"Date", "Thu, 28 May 2026 20:06:40 GMT"}};
  transport.describe.push_back(refusal);
  transport.describe.push_back(stream_is("ACTIVE"));
  transport.caller_identity.push_back(kAccount);
  EXPECT_TRUE(check.attempt());
  EXPECT_EQ(check.account(), "123456789012");
  EXPECT_EQ(skew.offset(), std::chrono::minutes(-20));
}

TEST_F(FirehoseStartupCheckTest, AWrongSecretIsStillARefusal) {
  transport.describe.push_back(startup_answer(400, R"({"__type":"InvalidSignatureException","message":"The request )"
                                           R"(signature we calculated does not match the signature you provided."})"));
  transport.caller_identity.push_back(kAccount);
  EXPECT_THROW(check.attempt(), StartupRefused);
}

}  // namespace
}  // namespace kinesyslog::deliver
