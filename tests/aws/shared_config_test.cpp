#include "aws/shared_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "aws/config_error.hpp"
#include "aws/environment_credentials.hpp"
#include "fake_environment.hpp"

namespace kinesyslog::aws {
namespace {

namespace fs = std::filesystem;
using testing::fake_environment;

// A fresh directory holding `config` and `credentials` files written by each test.
class SharedConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("kinesyslog-aws-") + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    paths_ = {dir_ / "config", dir_ / "credentials"};
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& path, std::string_view text) { std::ofstream(path, std::ios::binary) << text; }
  void write_config(std::string_view text) { write(paths_.config_file, text); }
  void write_credentials(std::string_view text) { write(paths_.credentials_file, text); }
  SharedConfig load() const { return SharedConfig::load(paths_); }

  fs::path dir_;
  SharedConfigPaths paths_;
};

TEST_F(SharedConfigFiles, ConfigProfilesAreWrittenWithProfilePrefix) {
  write_config("[profile prod]\nregion = eu-west-1\n[prod2]\nregion = us-east-1\n");
  EXPECT_EQ(load().find_profile("prod").region(), "eu-west-1");
  EXPECT_FALSE(load().find_profile("prod2").exists());
}

TEST_F(SharedConfigFiles, DefaultSectionIsTheDefaultProfileInConfig) {
  write_config("[default]\nregion = sa-east-1\n");
  EXPECT_EQ(load().find_profile("default").region(), "sa-east-1");
}

TEST_F(SharedConfigFiles, QuotedProfileNameIsUnquoted) {
  write_config("[profile \"my relay\"]\nregion = eu-north-1\n[profile   spaced]\nregion = ca-central-1\n");
  EXPECT_EQ(load().find_profile("my relay").region(), "eu-north-1");
  EXPECT_EQ(load().find_profile("spaced").region(), "ca-central-1");
}

TEST_F(SharedConfigFiles, CredentialsProfilesAreBareNames) {
  write_credentials("[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = secret\n"
                    "[profile other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = secret\n");
  EXPECT_EQ(load().find_profile("prod").static_credentials()->access_key_id, "AKIDPROD");
  EXPECT_FALSE(load().find_profile("other").exists());
  EXPECT_TRUE(load().find_profile("profile other").exists());
}

TEST_F(SharedConfigFiles, CredentialsFileBeatsConfigFileForTheSameProfile) {
  write_config("[profile prod]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
  write_credentials("[prod]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\n");
  const auto credentials = load().find_profile("prod").static_credentials();
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKIDCREDS");
  EXPECT_EQ(credentials->secret_access_key, "creds-secret");
}

TEST_F(SharedConfigFiles, ConfigFileKeysAreUsedWhenTheCredentialsFileHasNone) {
  write_config("[profile prod]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
  write_credentials("[prod]\nregion = eu-west-3\n");
  const Profile profile = load().find_profile("prod");
  EXPECT_EQ(profile.static_credentials()->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(profile.region(), "eu-west-3");
}

TEST_F(SharedConfigFiles, KeyPairIsNeverMixedAcrossFiles) {
  write_config("[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
  write_credentials("[default]\naws_access_key_id = AKIDCREDS\n");
  EXPECT_THROW(load().find_profile("default").static_credentials(), AwsConfigError);
}

TEST_F(SharedConfigFiles, AccessKeyWithoutSecretNamesProfileAndFile) {
  write_credentials("[default]\naws_access_key_id = AKID\n");
  try {
    load().find_profile("default").static_credentials();
    FAIL() << "expected AwsConfigError";
  } catch (const AwsConfigError& error) {
    EXPECT_EQ(std::string(error.what()), "profile 'default' in " + paths_.credentials_file.string() +
                                             " has aws_access_key_id but no aws_secret_access_key");
  }
}

TEST_F(SharedConfigFiles, SessionTokenIsPartOfStaticCredentials) {
  write_credentials("[default]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = tok\n");
  EXPECT_EQ(load().find_profile("default").static_credentials()->session_token, "tok");
}

TEST_F(SharedConfigFiles, ProfileWithoutKeysHasNoStaticCredentials) {
  write_config("[default]\nregion = us-west-2\n");
  EXPECT_FALSE(load().find_profile("default").static_credentials().has_value());
}

TEST_F(SharedConfigFiles, ProviderSettingsAreExposed) {
  write_config(
      "[profile relay]\n"
      "role_arn = arn:aws:iam::123456789012:role/relay\n"
      "source_profile = base\n"
      "role_session_name = kinesyslog\n"
      "web_identity_token_file = /var/run/secrets/token\n"
      "credential_process = /usr/bin/get-creds --json\n");
  const Profile profile = load().find_profile("relay");
  EXPECT_EQ(profile.role_arn(), "arn:aws:iam::123456789012:role/relay");
  EXPECT_EQ(profile.source_profile(), "base");
  EXPECT_EQ(profile.role_session_name(), "kinesyslog");
  EXPECT_EQ(profile.web_identity_token_file(), "/var/run/secrets/token");
  EXPECT_EQ(profile.credential_process(), "/usr/bin/get-creds --json");
}

TEST_F(SharedConfigFiles, EmptyValueCountsAsUnset) {
  write_config("[default]\nregion =\n");
  EXPECT_FALSE(load().find_profile("default").region().has_value());
}

TEST_F(SharedConfigFiles, ExplicitProfileMissingFromBothFilesIsAnError) {
  write_config("[default]\nregion = us-west-2\n");
  EXPECT_THROW(load().profile({"prod", ProfileNameSource::kAwsProfile}), AwsConfigError);
}

TEST_F(SharedConfigFiles, ImplicitDefaultProfileMayBeMissing) {
  const Profile profile = load().profile({"default", ProfileNameSource::kDefault});
  EXPECT_FALSE(profile.exists());
  EXPECT_FALSE(profile.region().has_value());
}

TEST_F(SharedConfigFiles, MalformedFileIsAnErrorNamingIt) {
  write_config("region = us-east-1\n");
  try {
    load();
    FAIL() << "expected AwsConfigError";
  } catch (const AwsConfigError& error) {
    EXPECT_EQ(std::string(error.what()), paths_.config_file.string() + ":1: a setting before any [section] header");
  }
}

TEST(SharedConfigPaths, DefaultsAreUnderHomeDotAws) {
  const auto paths = SharedConfigPaths::resolve(fake_environment({{"HOME", "/home/relay"}}));
  EXPECT_EQ(paths.config_file, fs::path("/home/relay/.aws/config"));
  EXPECT_EQ(paths.credentials_file, fs::path("/home/relay/.aws/credentials"));
}

TEST(SharedConfigPaths, EnvironmentVariablesChooseTheFiles) {
  const auto paths = SharedConfigPaths::resolve(fake_environment(
      {{"HOME", "/home/relay"}, {"AWS_CONFIG_FILE", "/etc/aws/config"}, {"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}}));
  EXPECT_EQ(paths.config_file, fs::path("/etc/aws/config"));
  EXPECT_EQ(paths.credentials_file, fs::path("/home/relay/creds"));
}

TEST(SharedConfigPaths, WithoutHomeThereAreNoDefaultFiles) {
  const auto paths = SharedConfigPaths::resolve(fake_environment({}));
  EXPECT_TRUE(paths.config_file.empty());
  EXPECT_TRUE(paths.credentials_file.empty());
}

TEST(ProfileName, OptionBeatsAwsProfile) {
  const auto name = resolve_profile_name("cli", fake_environment({{"AWS_PROFILE", "env"}}));
  EXPECT_EQ(name.name, "cli");
  EXPECT_EQ(name.source, ProfileNameSource::kOption);
}

TEST(ProfileName, AwsProfileBeatsLegacyAwsDefaultProfile) {
  const auto name =
      resolve_profile_name(std::nullopt, fake_environment({{"AWS_PROFILE", "env"}, {"AWS_DEFAULT_PROFILE", "old"}}));
  EXPECT_EQ(name.name, "env");
  EXPECT_EQ(name.describe(), "profile 'env' (from AWS_PROFILE)");
}

TEST(ProfileName, FallsBackToDefault) {
  const auto name = resolve_profile_name(std::nullopt, fake_environment({{"AWS_PROFILE", ""}}));
  EXPECT_EQ(name.name, "default");
  EXPECT_FALSE(name.is_explicit());
}

TEST(EnvironmentCredentials, KeyPairAndSessionTokenAreRead) {
  const auto credentials = environment_credentials(fake_environment(
      {{"AWS_ACCESS_KEY_ID", "ASIAENV"}, {"AWS_SECRET_ACCESS_KEY", "secret"}, {"AWS_SESSION_TOKEN", "token"}}));
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAENV");
  EXPECT_EQ(credentials->secret_access_key, "secret");
  EXPECT_EQ(credentials->session_token, "token");
  EXPECT_FALSE(credentials->expiration.has_value());
}

TEST(EnvironmentCredentials, LegacySecurityTokenIsAccepted) {
  const auto credentials = environment_credentials(fake_environment(
      {{"AWS_ACCESS_KEY_ID", "ASIAENV"}, {"AWS_SECRET_ACCESS_KEY", "secret"}, {"AWS_SECURITY_TOKEN", "old"}}));
  EXPECT_EQ(credentials->session_token, "old");
}

TEST(EnvironmentCredentials, NoneWithoutAnAccessKey) {
  EXPECT_FALSE(environment_credentials(fake_environment({{"AWS_SECRET_ACCESS_KEY", "secret"}})).has_value());
  EXPECT_FALSE(environment_credentials(fake_environment({{"AWS_ACCESS_KEY_ID", ""}})).has_value());
}

TEST(EnvironmentCredentials, AccessKeyWithoutSecretIsAnError) {
  EXPECT_THROW(environment_credentials(fake_environment({{"AWS_ACCESS_KEY_ID", "AKID"}})), AwsConfigError);
}

}  // namespace
}  // namespace kinesyslog::aws
