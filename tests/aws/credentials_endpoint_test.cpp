// Every credential source end to end: the real chain over CurlTransport against the Firehose/STS/
// IMDS/ECS stand-in (tests/firehose/endpoint.py), and the credentials it yields checked by STS
// GetCallerIdentity, whose signature and session token the stand-in verifies with botocore.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <variant>

#include "aws/config_error.hpp"
#include "aws/credential_chain.hpp"
#include "aws/curl_transport.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/signed_client.hpp"
#include "aws/sts_client.hpp"
#include "fake_environment.hpp"
#include "support/temporary_directory.hpp"

extern char** environ;

namespace kinesyslog::aws {
namespace {

using testing::fake_environment;

constexpr const char* kRoleArn = "arn:aws:iam::123456789012:role/kinesyslog-relay";
constexpr const char* kEcsToken = "Bearer ecs-secret";

// endpoint.py in a child process, stopped (SIGTERM) when the test ends.
class StandInEndpoint {
 public:
  explicit StandInEndpoint(const kinesyslog::testing::TemporaryDirectory& directory) {
    const std::string script = KINESYSLOG_SOURCE_DIR "/tests/firehose/endpoint.py";
    const std::string port_file = (directory.path() / "port").string();
    const std::string log_file = (directory.path() / "endpoint.log").string();
    std::vector<std::string> arguments = {"/usr/bin/python3", script, "--port-file", port_file,
                                          "--credentials", "AKIDSOURCE:sourcesecret", "--stream", "relay",
                                          "--web-identity-token", "jwt-good", "--ecs-token", kEcsToken,
                                          "--credential-lifetime", "3600"};
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot start /usr/bin/python3 " + script);
    // The port file appears (atomically) once the server listens; botocore takes a moment to load.
    for (int attempt = 0; attempt < 600 && port_ == 0; ++attempt) {
      std::ifstream(port_file) >> port_;
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) throw std::runtime_error("endpoint.py did not start; see " + log_file);
  }
  ~StandInEndpoint() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  StandInEndpoint(const StandInEndpoint&) = delete;
  StandInEndpoint& operator=(const StandInEndpoint&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  EndpointUrl endpoint() const { return EndpointUrl{"http", "127.0.0.1", port_, "/"}; }

  // POST /_admin/<what> with a JSON body.
  void admin(const std::string& what, std::string json) {
    HttpRequest request{"POST", "/_admin/" + what, "", {{"Content-Type", "application/json"}}, std::move(json)};
    const auto response = admin_transport_.send(endpoint(), request, HttpTimeouts{});
    if (response.status != 200) throw std::runtime_error("admin " + what + ": HTTP " + std::to_string(response.status));
  }

 private:
  pid_t pid_ = 0;
  uint16_t port_ = 0;
  CurlTransport admin_transport_;
};

class CredentialsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    variables_ = {{"AWS_CONFIG_FILE", (directory_.path() / "config").string()},
                  {"AWS_SHARED_CREDENTIALS_FILE", (directory_.path() / "credentials").string()},
                  {"AWS_ENDPOINT_URL_STS", endpoint_.url()},
                  {"AWS_EC2_METADATA_DISABLED", "true"}};
  }

  std::unique_ptr<CachingCredentials> resolve(const std::string& profile_name = "default") {
    const auto environment = fake_environment(variables_);
    const SharedConfig config = SharedConfig::load(SharedConfigPaths::resolve(environment));
    return resolve_credentials(CredentialChainContext{environment, config, "us-east-1", credentials_transport_, clock_},
                               config.find_profile(profile_name));
  }

  // The ARN STS says the credentials belong to, or the error code it answered.
  std::string caller_identity(CredentialsSource& credentials) {
    SignedClient sts(endpoint_.endpoint(), SigV4Signer("us-east-1", "sts"), credentials, verification_transport_,
                     clock_, HttpTimeouts{});
    const auto answer = get_caller_identity(sts);
    if (const auto* account = std::get_if<AccountId>(&answer)) return "account " + account->digits;
    return "error " + std::get<ServiceError>(answer).code;
  }

  kinesyslog::testing::TemporaryDirectory directory_;
  StandInEndpoint endpoint_{directory_};
  std::map<std::string, std::string> variables_;
  CurlTransport credentials_transport_;
  CurlTransport verification_transport_;
  const Clock& clock_ = SystemClock::instance();
};

TEST_F(CredentialsEndToEnd, WebIdentityFromTheEnvironment) {
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = directory_.write("token", "jwt-good\n").string();
  variables_["AWS_ROLE_ARN"] = kRoleArn;
  auto credentials = resolve();
  EXPECT_TRUE(credentials->current().access_key_id.starts_with("ASIA"));
  EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
}

TEST_F(CredentialsEndToEnd, RejectedWebIdentityTokenIsAConfigurationError) {
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = directory_.write("token", "jwt-forged").string();
  variables_["AWS_ROLE_ARN"] = kRoleArn;
  try {
    resolve()->current();
    FAIL() << "no exception";
  } catch (const AwsConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("InvalidIdentityToken"), std::string::npos) << error.what();
  }
}

TEST_F(CredentialsEndToEnd, AssumeRoleSignedWithTheSourceProfile) {
  directory_.write("config", std::string("[profile relay]\nrole_arn = ") + kRoleArn + "\nsource_profile = base\n");
  directory_.write("credentials", "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = sourcesecret\n");
  auto credentials = resolve("relay");
  EXPECT_TRUE(credentials->current().access_key_id.starts_with("ASIA"));
  EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
}

TEST_F(CredentialsEndToEnd, AssumeRoleWithAWrongSourceSecretIsRefused) {
  directory_.write("config", std::string("[default]\nrole_arn = ") + kRoleArn + "\nsource_profile = base\n");
  directory_.write("credentials", "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = wrong\n");
  EXPECT_THROW(resolve()->current(), AwsConfigError);
}

TEST_F(CredentialsEndToEnd, CredentialProcess) {
  directory_.write("config", "[default]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDSOURCE\", "
                             "\"SecretAccessKey\": \"sourcesecret\"}'\n");
  auto credentials = resolve();
  EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
}

TEST_F(CredentialsEndToEnd, ContainerEndpointWithAuthorizationToken) {
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoint_.url() + "/v2/credentials/kinesyslog-test";
  variables_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = directory_.write("ecs-token", kEcsToken).string();
  auto credentials = resolve();
  EXPECT_TRUE(credentials->current().expiration.has_value());
  EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
}

TEST_F(CredentialsEndToEnd, ContainerEndpointRefusesAWrongToken) {
  variables_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoint_.url() + "/v2/credentials/kinesyslog-test";
  variables_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer wrong";
  EXPECT_THROW(resolve()->current(), AwsConfigError);
}

TEST_F(CredentialsEndToEnd, InstanceMetadataCredentialsAndRegion) {
  variables_.erase("AWS_EC2_METADATA_DISABLED");
  variables_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoint_.url();
  auto credentials = resolve();
  EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
  const auto region = instance_region(credentials_transport_, fake_environment(variables_), clock_);
  ASSERT_TRUE(region);
  EXPECT_EQ(region->name, "us-east-1");
}

TEST_F(CredentialsEndToEnd, InstanceMetadataUnreachableMeansNoCredentials) {
  variables_.erase("AWS_EC2_METADATA_DISABLED");
  variables_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9";  // discard port: refused
  try {
    resolve();
    FAIL() << "no exception";
  } catch (const AwsConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("EC2 instance metadata at http://127.0.0.1:9 did not answer"),
              std::string::npos)
        << error.what();
  }
}

// The stand-in declares credentials expired on request; the relay then sees ExpiredToken and
// invalidates them (as the Firehose destination does), and the next call fetches a new set.
TEST_F(CredentialsEndToEnd, ExpiredCredentialsAreReplacedForEverySource) {
  directory_.write("config", std::string("[profile role]\nrole_arn = ") + kRoleArn + "\nsource_profile = base\n");
  directory_.write("credentials", "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = sourcesecret\n");
  const auto web_token = directory_.write("token", "jwt-good").string();
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> sources = {
      {"web identity", {{"AWS_WEB_IDENTITY_TOKEN_FILE", web_token}, {"AWS_ROLE_ARN", kRoleArn}}},
      {"role", {}},
      {"container", {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint_.url() + "/v2/credentials/kinesyslog-test"},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kEcsToken}}},
      {"instance metadata", {{"AWS_EC2_METADATA_DISABLED", "false"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint_.url()}}},
  };
  for (const auto& [name, extra] : sources) {
    SCOPED_TRACE(name);
    const auto saved = variables_;
    for (const auto& [key, value] : extra) variables_[key] = value;
    auto credentials = resolve(name == "role" ? "role" : "default");
    variables_ = saved;
    const std::string first = credentials->current().access_key_id;
    ASSERT_EQ(caller_identity(*credentials), "account 123456789012");
    endpoint_.admin("expire", "{}");
    EXPECT_EQ(caller_identity(*credentials), "error ExpiredToken");
    credentials->invalidate();
    EXPECT_NE(credentials->current().access_key_id, first);
    EXPECT_EQ(caller_identity(*credentials), "account 123456789012");
  }
}

// Short-lived credentials are refreshed ahead of their expiry without any error being seen.
TEST_F(CredentialsEndToEnd, ShortLivedCredentialsAreRefreshedBeforeTheyExpire) {
  endpoint_.admin("config", R"({"credential_lifetime": 4})");
  variables_["AWS_WEB_IDENTITY_TOKEN_FILE"] = directory_.write("token", "jwt-good").string();
  variables_["AWS_ROLE_ARN"] = kRoleArn;
  auto credentials = resolve();
  const std::string first = credentials->current().access_key_id;
  std::string latest = first;
  // Calls for 6 s: longer than one lifetime, so at least one refresh must happen, and no call may fail.
  for (int call = 0; call < 30; ++call) {
    ASSERT_EQ(caller_identity(*credentials), "account 123456789012") << "call " << call;
    latest = credentials->current().access_key_id;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(latest, first);
}

}  // namespace
}  // namespace kinesyslog::aws
