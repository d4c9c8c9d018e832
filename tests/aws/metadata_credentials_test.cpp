// The ECS container endpoint and EC2 instance metadata (IMDSv2), against a scripted transport.
#include <gtest/gtest.h>

#include "aws/config_error.hpp"
#include "aws/container_credentials.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/iso8601.hpp"
#include "fake_environment.hpp"
#include "scripted_transport.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::aws {
namespace {

using testing::fake_environment;
using testing::ScriptedTransport;

constexpr const char* kContainerAnswer =
    R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-24T15:04:05Z",)"
    R"("RoleArn":"arn:aws:iam::123456789012:role/task"})";
constexpr const char* kMetadataImdsAnswer =
    R"({"Code":"Success","LastUpdated":"2026-11-24T14:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS",)"
    R"("SecretAccessKey":"s","Token":"t","Expiration":"2026-11-24T20:00:00Z"})";
constexpr const char* kRolePath = "/latest/meta-data/iam/security-credentials/";

ContainerCredentialsSettings container_settings(std::map<std::string, std::string> variables) {
  auto settings = container_credentials_settings(fake_environment(std::move(variables)));
  EXPECT_TRUE(settings);
  return settings.value_or(ContainerCredentialsSettings{});
}

TEST(ContainerCredentials, NotConfiguredWithoutEitherUri) {
  EXPECT_EQ(container_credentials_settings(fake_environment({})), std::nullopt);
}

TEST(ContainerCredentials, RelativeUriIsOnTheEcsAgentAddress) {
  ScriptedTransport transport;
  transport.expect("GET", "/v2/credentials/abc", 200, kContainerAnswer);
  ContainerCredentials provider(transport, container_settings({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}}));
  const auto credentials = provider.fetch();
  EXPECT_EQ(credentials.access_key_id, "ASIAECS");
  EXPECT_EQ(credentials.session_token, "t");
  EXPECT_EQ(credentials.expiration, parse_iso8601("2026-11-24T15:04:05Z"));
  EXPECT_EQ(transport.sent.at(0).endpoint.host, "169.254.170.2");
  EXPECT_FALSE(transport.sent.at(0).request.header("Authorization"));
}

TEST(ContainerCredentials, RelativeUriWinsOverFullUri) {
  const auto settings = container_settings({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"},
                                            {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/y"}});
  EXPECT_EQ(settings.endpoint.host, "169.254.170.2");
}

TEST(ContainerCredentials, FullUriKeepsItsQueryAndSendsTheToken) {
  ScriptedTransport transport;
  transport.expect("GET", "/creds", 200, kContainerAnswer);
  ContainerCredentials provider(transport, container_settings({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:8080/creds?id=7"},
                                                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"}}));
  provider.fetch();
  EXPECT_EQ(transport.sent.at(0).request.query, "id=7");
  EXPECT_EQ(transport.sent.at(0).endpoint.port, 8080);
  EXPECT_EQ(transport.sent.at(0).request.header("Authorization"), "Basic abc");
}

TEST(ContainerCredentials, TokenFileWinsAndIsReadOnEveryFetch) {
  kinesyslog::testing::TemporaryDirectory directory;
  const auto token_file = directory.write("token", "first-token\n");
  ScriptedTransport transport;
  transport.expect("GET", "/v1/credentials", 200, kContainerAnswer);
  transport.expect("GET", "/v1/credentials", 200, kContainerAnswer);
  ContainerCredentials provider(transport, container_settings({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
                                                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"},
                                                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string()}}));
  provider.fetch();
  directory.write("token", "second-token");
  provider.fetch();
  EXPECT_EQ(transport.sent.at(0).request.header("Authorization"), "first-token");
  EXPECT_EQ(transport.sent.at(1).request.header("Authorization"), "second-token");
}

TEST(ContainerCredentials, PlainHttpToAnOrdinaryHostIsRefused) {
  EXPECT_THROW(container_credentials_settings(fake_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.5/creds"}})),
               AwsConfigError);
  EXPECT_TRUE(container_credentials_settings(fake_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/x"}})));
  EXPECT_TRUE(container_credentials_settings(fake_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[::1]:80/x"}})));
}

TEST(ContainerCredentials, TokenWithALineBreakIsRefused) {
  ScriptedTransport transport;
  ContainerCredentials provider(transport, container_settings({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                                                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Evil: 1"}}));
  EXPECT_THROW(provider.fetch(), AwsConfigError);
  EXPECT_TRUE(transport.sent.empty());
}

TEST(ContainerCredentials, RefusedTokenIsDefinitiveAndServerErrorIsNot) {
  ScriptedTransport transport;
  transport.expect("GET", "/c", 401, "unauthorized");
  transport.expect("GET", "/c", 500, "oops");
  transport.expect_no_answer("GET", "/c");
  transport.expect("GET", "/c", 200, R"({"AccessKeyId":"A","SecretAccessKey":"s"})");
  ContainerCredentials provider(transport, container_settings({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"}}));
  EXPECT_THROW(provider.fetch(), AwsConfigError);
  EXPECT_THROW(provider.fetch(), CredentialsUnavailable);
  EXPECT_THROW(provider.fetch(), CredentialsUnavailable);
  EXPECT_THROW(provider.fetch(), CredentialsUnavailable);  // no Token/Expiration
}

class InstanceMetadataTest : public ::testing::Test {
 protected:
  InstanceMetadataClient client(std::map<std::string, std::string> variables = {}) {
    auto endpoint = instance_metadata_endpoint(fake_environment(std::move(variables)));
    EXPECT_TRUE(endpoint);
    return InstanceMetadataClient(transport_, std::move(*endpoint), clock_);
  }
  void expect_token(std::string token = "TOKEN") { transport_.expect("PUT", "/latest/api/token", 200, std::move(token)); }
  ScriptedTransport transport_;
  ManualClock clock_;
};

TEST_F(InstanceMetadataTest, DefaultEndpointAndDisabling) {
  EXPECT_EQ(instance_metadata_endpoint(fake_environment({}))->endpoint.host, "169.254.169.254");
  EXPECT_EQ(instance_metadata_endpoint(fake_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}))->endpoint.host,
            "[fd00:ec2::254]");
  EXPECT_EQ(instance_metadata_endpoint(fake_environment({{"AWS_EC2_METADATA_DISABLED", "TRUE"}})), std::nullopt);
  EXPECT_TRUE(instance_metadata_endpoint(fake_environment({{"AWS_EC2_METADATA_DISABLED", "false"}})));
}

TEST_F(InstanceMetadataTest, CredentialsComeFromTheRoleWithASessionToken) {
  expect_token();
  transport_.expect("GET", kRolePath, 200, "relay-role\n");
  transport_.expect("GET", std::string(kRolePath) + "relay-role", 200, kMetadataImdsAnswer);
  InstanceMetadataCredentials provider(client());
  const auto credentials = provider.fetch();
  EXPECT_EQ(credentials.access_key_id, "ASIAIMDS");
  EXPECT_EQ(credentials.expiration, parse_iso8601("2026-11-24T20:00:00Z"));
  const auto& token_request = transport_.sent.at(0);
  EXPECT_EQ(token_request.request.header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(token_request.timeouts.connect, std::chrono::seconds(1));
  EXPECT_EQ(transport_.sent.at(1).request.header("X-aws-ec2-metadata-token"), "TOKEN");
  EXPECT_EQ(transport_.sent.at(2).request.header("X-aws-ec2-metadata-token"), "TOKEN");
}

TEST_F(InstanceMetadataTest, SessionTokenIsReusedUntilNearItsEnd) {
  auto metadata = client();
  expect_token("ONE");
  transport_.expect("GET", "/a", 200, "a");
  transport_.expect("GET", "/b", 200, "b");
  metadata.get("/a");
  clock_.advance(std::chrono::hours(5));
  metadata.get("/b");
  clock_.advance(std::chrono::minutes(59));
  expect_token("TWO");
  transport_.expect("GET", "/c", 200, "c");
  metadata.get("/c");
  EXPECT_EQ(transport_.sent.back().request.header("X-aws-ec2-metadata-token"), "TWO");
  EXPECT_TRUE(transport_.finished());
}

TEST_F(InstanceMetadataTest, RejectedSessionTokenIsRenewedOnce) {
  auto metadata = client();
  expect_token("OLD");
  transport_.expect("GET", "/a", 200, "a");
  transport_.expect("GET", "/b", 401, "");
  expect_token("NEW");
  transport_.expect("GET", "/b", 200, "b");
  metadata.get("/a");
  EXPECT_EQ(metadata.get("/b"), "b");
  EXPECT_EQ(transport_.sent.back().request.header("X-aws-ec2-metadata-token"), "NEW");
}

TEST_F(InstanceMetadataTest, EndpointOverrideKeepsItsPathPrefix) {
  auto metadata = client({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/imds/"}});
  transport_.expect("PUT", "/imds/latest/api/token", 200, "T");
  transport_.expect("GET", "/imds/x", 200, "x");
  EXPECT_EQ(metadata.get("/x"), "x");
  EXPECT_EQ(transport_.sent.at(0).endpoint.port, 1338);
}

TEST_F(InstanceMetadataTest, InstanceWithoutRoleIsDefinitive) {
  expect_token();
  transport_.expect("GET", kRolePath, 404, "");
  InstanceMetadataCredentials provider(client());
  EXPECT_THROW(provider.fetch(), AwsConfigError);
}

TEST_F(InstanceMetadataTest, NoAnswerIsWorthRetrying) {
  transport_.expect_no_answer("PUT", "/latest/api/token", "Connection timed out");
  InstanceMetadataCredentials provider(client());
  EXPECT_THROW(provider.fetch(), CredentialsUnavailable);
}

TEST_F(InstanceMetadataTest, FailedCredentialsCodeIsRefused) {
  expect_token();
  transport_.expect("GET", kRolePath, 200, "r");
  transport_.expect("GET", std::string(kRolePath) + "r", 200, R"({"Code":"AssumeRoleUnauthorizedAccess"})");
  InstanceMetadataCredentials provider(client());
  EXPECT_THROW(provider.fetch(), CredentialsUnavailable);
}

TEST_F(InstanceMetadataTest, RegionFromTheInstanceIdentityDocument) {
  expect_token();
  transport_.expect("GET", "/latest/dynamic/instance-identity/document", 200,
                    R"({"accountId":"123456789012","region":"ap-southeast-2","instanceId":"i-1"})");
  const auto region = instance_region(transport_, fake_environment({}), clock_);
  ASSERT_TRUE(region);
  EXPECT_EQ(region->name, "ap-southeast-2");
  EXPECT_NE(region->source.find("instance identity document"), std::string::npos);
}

TEST_F(InstanceMetadataTest, NoRegionOffEc2OrWhenDisabled) {
  transport_.expect_no_answer("PUT", "/latest/api/token");
  EXPECT_EQ(instance_region(transport_, fake_environment({}), clock_), std::nullopt);
  EXPECT_EQ(instance_region(transport_, fake_environment({{"AWS_EC2_METADATA_DISABLED", "true"}}), clock_), std::nullopt);
  EXPECT_TRUE(transport_.finished());
}

TEST_F(InstanceMetadataTest, InvalidRegionInTheDocumentIsIgnored) {
  expect_token();
  transport_.expect("GET", "/latest/dynamic/instance-identity/document", 200, R"({"region":"evil.example.com/"})");
  EXPECT_EQ(instance_region(transport_, fake_environment({}), clock_), std::nullopt);
}

}  // namespace
}  // namespace kinesyslog::aws
