#include "aws/sts_role_client.hpp"

#include <gtest/gtest.h>

#include "aws/config_error.hpp"
#include "aws/credentials_provider.hpp"
#include "aws/iso8601.hpp"
#include "aws/service_error.hpp"
#include "scripted_transport.hpp"

namespace kinesyslog::aws {
namespace {

using testing::ScriptedTransport;

constexpr const char* kAssumeRoleAnswer = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA123:relay</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/relay/relay</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>se/cr+et&amp;key</SecretAccessKey>
      <SessionToken>to&lt;ken</SessionToken>
      <Expiration>2026-11-24T15:04:05Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>)";

constexpr const char* kAccessDenied = R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error>
  <RequestId>r</RequestId>
</ErrorResponse>)";

constexpr const char* kThrottling = R"(<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>
<Message>Rate exceeded</Message></Error></ErrorResponse>)";

class StsRoleClientTest : public ::testing::Test {
 protected:
  StsRoleClient client() {
    return StsRoleClient(transport_, ResolvedEndpoint{"http://127.0.0.1:4566/sts/", "AWS_ENDPOINT_URL_STS"}, "eu-west-1",
                     clock_);
  }
  ScriptedTransport transport_;
  ManualClock clock_{*parse_iso8601("2026-11-24T14:04:05Z")};
  Credentials caller_{"AKIDCALLER", "callersecret", "", std::nullopt};
  // 20 minutes ahead of AWS's 2026-11-30T01:38:07Z, for the clock skew tests.
  ManualClock skewed_clock_{*parse_iso8601("2026-11-30T01:58:07Z")};
  ClockSkew skew_;
};

TEST(StsXml, CredentialsAreReadFromTheCredentialsElement) {
  const auto credentials = parse_sts_credentials(kAssumeRoleAnswer);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(credentials->secret_access_key, "se/cr+et&key");
  EXPECT_EQ(credentials->session_token, "to<ken");
  EXPECT_EQ(credentials->expiration, parse_iso8601("2026-11-24T15:04:05Z"));
}

TEST(StsXml, CredentialsWithoutExpirationAreRefused) {
  EXPECT_EQ(parse_sts_credentials("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                                  "<SessionToken>T</SessionToken></Credentials>"),
            std::nullopt);
}

TEST(StsXml, ErrorCodeAndMessage) {
  const ServiceError error = query_service_error(HttpResponse{403, {}, kAccessDenied});
  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.message, "User is not authorized to perform: sts:AssumeRole");
}

TEST_F(StsRoleClientTest, AssumeRoleIsASignedFormPost) {
  transport_.expect("POST", "/sts/", 200, kAssumeRoleAnswer);
  const auto credentials = client().assume_role({"arn:aws:iam::123456789012:role/relay", "relay session", "ext/id", 900},
                                                caller_);
  EXPECT_EQ(credentials.access_key_id, "ASIAEXAMPLE");
  const auto& request = transport_.sent.at(0).request;
  EXPECT_EQ(request.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Frelay"
            "&RoleSessionName=relay%20session&ExternalId=ext%2Fid&DurationSeconds=900");
  EXPECT_EQ(request.header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(request.header("Host"), "127.0.0.1:4566");
  EXPECT_EQ(request.header("X-Amz-Date"), "20261124T140405Z");
  const auto authorization = request.header("Authorization");
  ASSERT_TRUE(authorization);
  EXPECT_TRUE(authorization->starts_with("AWS4-HMAC-SHA256 Credential=AKIDCALLER/20261124/eu-west-1/sts/aws4_request"))
      << *authorization;
}

TEST_F(StsRoleClientTest, AssumeRoleWithWebIdentityIsUnsigned) {
  transport_.expect("POST", "/sts/", 200, kAssumeRoleAnswer);
  client().assume_role_with_web_identity({"arn:aws:iam::123456789012:role/relay", "s", "eyJ.token", std::nullopt});
  const auto& request = transport_.sent.at(0).request;
  EXPECT_EQ(request.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Frelay"
            "&RoleSessionName=s&WebIdentityToken=eyJ.token");
  EXPECT_FALSE(request.header("Authorization"));
  EXPECT_FALSE(request.header("X-Amz-Security-Token"));
}

TEST_F(StsRoleClientTest, RefusalIsAConfigurationErrorNamingCodeAndRole) {
  transport_.expect("POST", "/sts/", 403, kAccessDenied);
  try {
    client().assume_role({"arn:aws:iam::123456789012:role/relay", "s", std::nullopt, std::nullopt}, caller_);
    FAIL() << "no exception";
  } catch (const AwsConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("AccessDenied: User is not authorized"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("role/relay"), std::string::npos) << error.what();
  }
}

TEST_F(StsRoleClientTest, ThrottlingAndServerErrorsAreWorthRetrying) {
  transport_.expect("POST", "/sts/", 400, kThrottling);
  transport_.expect("POST", "/sts/", 503, "");
  const AssumeRoleCall call{"arn:aws:iam::123456789012:role/relay", "s", std::nullopt, std::nullopt};
  EXPECT_THROW(client().assume_role(call, caller_), CredentialsUnavailable);
  EXPECT_THROW(client().assume_role(call, caller_), CredentialsUnavailable);
}

TEST_F(StsRoleClientTest, NoAnswerIsWorthRetrying) {
  transport_.expect_no_answer("POST", "/sts/");
  EXPECT_THROW(client().assume_role_with_web_identity({"arn:aws:iam::1:role/r", "s", "t", std::nullopt}),
               CredentialsUnavailable);
}

TEST_F(StsRoleClientTest, SuccessWithoutCredentialsIsRefused) {
  transport_.expect("POST", "/sts/", 200, "<AssumeRoleResponse/>");
  EXPECT_THROW(client().assume_role({"arn:aws:iam::1:role/r", "s", std::nullopt, std::nullopt}, caller_),
               CredentialsUnavailable);
}

// STS's answer to a signature made 20 minutes ahead of its clock (01:38:07).
HttpResponse sts_signature_expired(bool with_date) {
  HttpResponse answer{403, {}, "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>"
                               "Signature expired: 20261130T011807Z is now earlier than 20261130T012307Z "
                               "(20261130T013807Z - 15 min.)</Message></Error><RequestId>r</RequestId></ErrorResponse>"};
  if (with_date) answer.headers = {{"Date", "Mon, 30 Nov 2026 01:38:07 GMT"}};
  return answer;
}

TEST_F(StsRoleClientTest, AssumeRoleRefusedForItsTimeIsSignedAgainWithAwsTime) {
  StsRoleClient sts(transport_, ResolvedEndpoint{"http://127.0.0.1:4566/", "test"}, "us-east-1", skewed_clock_, skew_);
  transport_.expect("POST", "/", sts_signature_expired(true));
  transport_.expect("POST", "/", 200,
                    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId>"
                    "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                    "<Expiration>2026-11-30T02:38:07Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
  const Credentials role = sts.assume_role({"arn:aws:iam::123456789012:role/r", "s", {}, {}},
                                           Credentials{"AKID", "SECRET", {}, {}});
  EXPECT_EQ(role.access_key_id, "ASIA");
  ASSERT_EQ(transport_.sent.size(), 2u);
  EXPECT_EQ(transport_.sent[1].request.header("X-Amz-Date"), "20261130T013807Z");
}

TEST_F(StsRoleClientTest, AnUncorrectableSkewIsWorthRetryingNotAConfigurationError) {
  StsRoleClient sts(transport_, ResolvedEndpoint{"http://127.0.0.1:4566/", "test"}, "us-east-1", skewed_clock_, skew_);
  transport_.expect("POST", "/", sts_signature_expired(false));
  EXPECT_THROW(sts.assume_role({"arn:aws:iam::123456789012:role/r", "s", {}, {}}, Credentials{"AKID", "SECRET", {}, {}}),
               CredentialsUnavailable);
  EXPECT_EQ(transport_.sent.size(), 1u);
}

}  // namespace
}  // namespace kinesyslog::aws
