#include "aws/credential_chain.hpp"

#include <gtest/gtest.h>

#include "aws/config_error.hpp"
#include "aws/iso8601.hpp"
#include "fake_environment.hpp"
#include "scripted_transport.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::aws {
namespace {

using testing::fake_environment;
using testing::ScriptedTransport;

std::string sts_answer(std::string_view action, std::string_view access_key_id) {
  return "<" + std::string(action) + "Response><" + std::string(action) + "Result><Credentials><AccessKeyId>" +
         std::string(access_key_id) +
         "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
         "<Expiration>2026-11-24T15:04:05Z</Expiration></Credentials></" +
         std::string(action) + "Result></" + std::string(action) + "Response>";
}

constexpr const char* kImdsAnswer =
    R"({"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-24T20:00:00Z"})";

class CredentialChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    variables_ = {{"AWS_CONFIG_FILE", (directory_.path() / "config").string()},
                  {"AWS_SHARED_CREDENTIALS_FILE", (directory_.path() / "credentials").string()},
                  {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566"},
                  {"AWS_EC2_METADATA_DISABLED", "true"}};
  }
  void write_config(std::string_view text) { directory_.write("config", text); }
  void write_credentials(std::string_view text) { directory_.write("credentials", text); }

  std::unique_ptr<CachingCredentials> resolve(std::string profile_name = "default") {
    const auto environment = fake_environment(variables_);
    config_.emplace(SharedConfig::load(SharedConfigPaths::resolve(environment)));
    const Profile profile = config_->find_profile(profile_name);
    return resolve_credentials(CredentialChainContext{environment, *config_, region_, transport_, clock_}, profile);
  }
  std::string resolve_error(std::string profile_name = "default") {
    try {
      resolve(std::move(profile_name));
    } catch (const AwsConfigError& error) {
      return error.what();
    }
    return "no AwsConfigError";
  }
  std::string authorization(std::size_t request) const {
    return std::string(transport_.sent.at(request).request.header("Authorization").value_or(""));
  }

  kinesyslog::testing::TemporaryDirectory directory_;
  std::map<std::string, std::string> variables_;
  std::string region_ = "eu-west-1";
  std::optional<SharedConfig> config_;
  ScriptedTransport transport_;
  ManualClock clock_{*parse_iso8601("2026-11-24T14:00:00Z")};
};

TEST_F(CredentialChainTest, EnvironmentComesFirst) {
  variables_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  variables_["AWS_SECRET_ACCESS_KEY"] = "s";
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/nonexistent";
  variables_["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/r";
  write_credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  EXPECT_EQ(resolve()->current().access_key_id, "AKIDENV");
}

TEST_F(CredentialChainTest, WebIdentityFromEnvironmentComesBeforeTheProfile) {
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = directory_.write("token", "jwt-1\n").string();
  variables_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/irsa";
  variables_["AWS_ROLE_SESSION_NAME"] = "pod-7";
  write_credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB"));
  auto credentials = resolve();
  EXPECT_TRUE(transport_.sent.empty()) << "chosen without calling STS";
  EXPECT_EQ(credentials->current().access_key_id, "ASIAWEB");
  const auto& body = transport_.sent.at(0).request.body;
  EXPECT_NE(body.find("RoleSessionName=pod-7&WebIdentityToken=jwt-1"), std::string::npos) << body;
  EXPECT_EQ(transport_.sent.at(0).endpoint.port, 4566);
}

TEST_F(CredentialChainTest, WebIdentityTokenFileIsReadAgainOnEveryRefresh) {
  const auto token_file = directory_.write("token", "jwt-1");
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = token_file.string();
  variables_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/irsa";
  transport_.expect("POST", "/", 200, sts_answer("AssumeRoleWithWebIdentity", "ASIA1"));
  transport_.expect("POST", "/", 200, sts_answer("AssumeRoleWithWebIdentity", "ASIA2"));
  auto credentials = resolve();
  credentials->current();
  directory_.write("token", "jwt-2");
  clock_.set(*parse_iso8601("2026-11-24T15:00:00Z"));
  EXPECT_EQ(credentials->current().access_key_id, "ASIA2");
  EXPECT_NE(transport_.sent.at(1).request.body.find("WebIdentityToken=jwt-2"), std::string::npos);
}

TEST_F(CredentialChainTest, MissingWebIdentityTokenFileIsAConfigurationError) {
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = (directory_.path() / "absent").string();
  variables_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/irsa";
  EXPECT_THROW(resolve()->current(), AwsConfigError);
}

TEST_F(CredentialChainTest, ProfileStaticKeysComeBeforeItsCredentialProcess) {
  write_config("[profile relay]\ncredential_process = echo '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n");
  write_credentials("[relay]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  EXPECT_EQ(resolve("relay")->current().access_key_id, "AKIDFILE");
}

TEST_F(CredentialChainTest, ProfileCredentialProcess) {
  write_config("[default]\ncredential_process = echo '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n");
  EXPECT_EQ(resolve()->current().access_key_id, "AKIDPROC");
}

TEST_F(CredentialChainTest, RoleIsAssumedWithTheSourceProfilesKeys) {
  write_config("[profile relay]\nrole_arn = arn:aws:iam::123456789012:role/relay\nsource_profile = base\n"
               "external_id = ext-1\nrole_session_name = relay-host\nduration_seconds = 1800\n");
  write_credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIAROLE"));
  EXPECT_EQ(resolve("relay")->current().access_key_id, "ASIAROLE");
  EXPECT_NE(authorization(0).find("Credential=AKIDBASE/20261124/eu-west-1/sts/"), std::string::npos) << authorization(0);
  EXPECT_NE(transport_.sent.at(0).request.body.find("RoleSessionName=relay-host&ExternalId=ext-1&DurationSeconds=1800"),
            std::string::npos);
}

TEST_F(CredentialChainTest, RolesChainThroughSourceProfiles) {
  write_config("[profile relay]\nrole_arn = arn:aws:iam::1:role/second\nsource_profile = hop\n"
               "[profile hop]\nrole_arn = arn:aws:iam::1:role/first\nsource_profile = base\n");
  write_credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIAFIRST"));
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIASECOND"));
  EXPECT_EQ(resolve("relay")->current().access_key_id, "ASIASECOND");
  EXPECT_NE(authorization(0).find("Credential=AKIDBASE/"), std::string::npos);
  EXPECT_NE(authorization(1).find("Credential=ASIAFIRST/"), std::string::npos);
}

TEST_F(CredentialChainTest, ProfileThatIsItsOwnSourceUsesItsOwnKeys) {
  write_credentials("[default]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n"
                    "role_arn = arn:aws:iam::1:role/r\nsource_profile = default\n");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIAROLE"));
  EXPECT_EQ(resolve()->current().access_key_id, "ASIAROLE");
  EXPECT_NE(authorization(0).find("Credential=AKIDSELF/"), std::string::npos);
}

TEST_F(CredentialChainTest, SourceProfileCycleIsRefused) {
  write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
               "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  EXPECT_NE(resolve_error("a").find("cycle: a -> b -> a"), std::string::npos) << resolve_error("a");
}

TEST_F(CredentialChainTest, BrokenRoleProfilesAreRefused) {
  write_config("[profile nosource]\nrole_arn = arn:aws:iam::1:role/r\n"
               "[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\ncredential_source = Environment\n"
               "[profile unknown]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Laptop\n"
               "[profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\nmfa_serial = arn:aws:iam::1:mfa/u\n"
               "[profile empty]\nregion = eu-west-1\n"
               "[profile emptysource]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = empty\n"
               "[profile badduration]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\nduration_seconds = 60\n"
               "[profile noenv]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n");
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9911/creds";
  EXPECT_NE(resolve_error("nosource").find("no source_profile, credential_source or web_identity_token_file"),
            std::string::npos);
  EXPECT_NE(resolve_error("both").find("both source_profile and credential_source"), std::string::npos);
  EXPECT_NE(resolve_error("unknown").find("credential_source 'Laptop'"), std::string::npos);
  EXPECT_NE(resolve_error("mfa").find("mfa_serial"), std::string::npos);
  EXPECT_NE(resolve_error("emptysource").find("profile 'empty', the source_profile of"), std::string::npos);
  EXPECT_NE(resolve_error("badduration").find("duration_seconds '60'"), std::string::npos);
  EXPECT_NE(resolve_error("noenv").find("credential_source Environment but AWS_ACCESS_KEY_ID is not set"),
            std::string::npos);
}

TEST_F(CredentialChainTest, CredentialSourceEcsContainerSignsTheAssumeRole) {
  write_config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n");
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9911/creds";
  transport_.expect("GET", "/creds", 200,
                    R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-24T18:00:00Z"})");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIAROLE"));
  EXPECT_EQ(resolve()->current().access_key_id, "ASIAROLE");
  EXPECT_NE(authorization(1).find("Credential=ASIAECS/"), std::string::npos);
  EXPECT_EQ(transport_.sent.at(1).request.header("X-Amz-Security-Token"), "t");
}

TEST_F(CredentialChainTest, SourceCredentialsRefusedAsExpiredAreFetchedAgainOnce) {
  write_config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n");
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9911/creds";
  const std::string ecs = R"({"SecretAccessKey":"s","Token":"t","Expiration":"2026-11-24T18:00:00Z","AccessKeyId":)";
  transport_.expect("GET", "/creds", 200, ecs + R"("ASIAOLD"})");
  transport_.expect("POST", "/", 400,
                    "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>expired</Message></Error></ErrorResponse>");
  transport_.expect("GET", "/creds", 200, ecs + R"("ASIANEW"})");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRole", "ASIAROLE"));
  EXPECT_EQ(resolve()->current().access_key_id, "ASIAROLE");
  EXPECT_NE(authorization(3).find("Credential=ASIANEW/"), std::string::npos);
}

TEST_F(CredentialChainTest, ProfileWebIdentity) {
  const auto token_file = directory_.write("token", "jwt-profile");
  write_config("[default]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = " + token_file.string() + "\n");
  transport_.expect("POST", "/", 200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB"));
  EXPECT_EQ(resolve()->current().access_key_id, "ASIAWEB");
  EXPECT_TRUE(transport_.sent.at(0).request.body.starts_with("Action=AssumeRoleWithWebIdentity&"));
}

TEST_F(CredentialChainTest, StsNeedsARegion) {
  write_config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n");
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9911/creds";
  region_.clear();
  EXPECT_NE(resolve_error().find("needs a region"), std::string::npos);
}

TEST_F(CredentialChainTest, ContainerComesBeforeInstanceMetadata) {
  variables_.erase("AWS_EC2_METADATA_DISABLED");
  variables_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/x";
  auto credentials = resolve();
  EXPECT_TRUE(transport_.sent.empty());
  EXPECT_NE(credentials->describe().find("169.254.170.2"), std::string::npos);
}

TEST_F(CredentialChainTest, InstanceMetadataIsProbedLastAndItsAnswerKept) {
  variables_.erase("AWS_EC2_METADATA_DISABLED");
  transport_.expect("PUT", "/latest/api/token", 200, "T");
  transport_.expect("GET", "/latest/meta-data/iam/security-credentials/", 200, "role");
  transport_.expect("GET", "/latest/meta-data/iam/security-credentials/role", 200, kImdsAnswer);
  auto credentials = resolve();
  EXPECT_EQ(credentials->current().access_key_id, "ASIAIMDS");
  EXPECT_TRUE(transport_.finished());
  EXPECT_EQ(transport_.sent.size(), 3u);
}

TEST_F(CredentialChainTest, NothingFoundListsEverySourceAndWhy) {
  variables_.erase("AWS_EC2_METADATA_DISABLED");
  transport_.expect_no_answer("PUT", "/latest/api/token", "Connection timed out after 1000 ms");
  const auto message = resolve_error();
  for (const char* expected : {"environment: AWS_ACCESS_KEY_ID is not set",
                               "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set", "profile 'default': not in ",
                               "container endpoint: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                               "EC2 instance metadata: EC2 instance metadata at http://169.254.169.254 did not answer",
                               "Connection timed out after 1000 ms"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << "\nin: " << message;
  }
}

TEST_F(CredentialChainTest, DisabledInstanceMetadataIsNamedAsSuch) {
  write_config("[default]\nregion = eu-west-1\n");
  const auto message = resolve_error();
  EXPECT_NE(message.find("profile 'default': has no aws_access_key_id"), std::string::npos) << message;
  EXPECT_NE(message.find("EC2 instance metadata: AWS_EC2_METADATA_DISABLED is true"), std::string::npos) << message;
  EXPECT_TRUE(transport_.sent.empty());
}

}  // namespace
}  // namespace kinesyslog::aws
