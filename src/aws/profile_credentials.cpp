#include "aws/profile_credentials.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "aws/assume_role_credentials.hpp"
#include "aws/caching_credentials.hpp"
#include "aws/config_error.hpp"
#include "aws/container_credentials.hpp"
#include "aws/environment_credentials.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/process_credentials.hpp"
#include "aws/static_credentials_provider.hpp"
#include "aws/web_identity_credentials.hpp"

namespace kinesyslog::aws {
namespace {

// STS accepts 900 s up to the role's maximum session duration, at most 12 hours.
std::optional<int> duration_seconds(const Profile& profile) {
  const auto text = profile.value("duration_seconds");
  if (!text) return std::nullopt;
  int seconds = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (error != std::errc{} || end != text->data() + text->size() || seconds < 900 || seconds > 43200) {
    throw AwsConfigError(profile.describe_source("duration_seconds") + " has duration_seconds '" + *text +
                         "': it must be a whole number of seconds from 900 to 43200");
  }
  return seconds;
}

// Walks role_arn → source_profile links, remembering the profiles on the way to refuse cycles.
class ProfileResolver {
 public:
  explicit ProfileResolver(const CredentialChainContext& context) : context_(context) {}

  std::unique_ptr<CredentialsProvider> resolve(const Profile& profile) {
    if (profile.role_arn()) return assume_role(profile);
    if (auto credentials = profile.static_credentials()) {
      return std::make_unique<StaticCredentialsProvider>(
          std::move(*credentials), "static keys of " + profile.describe_source("aws_access_key_id"));
    }
    if (auto command = profile.credential_process()) {
      return std::make_unique<ProcessCredentials>(*command, profile.describe_source("credential_process"),
                                                  context_.clock);
    }
    return nullptr;
  }

 private:
  std::unique_ptr<CredentialsProvider> assume_role(const Profile& profile) {
    const std::string where = profile.describe_source("role_arn");
    const std::string role_arn = *profile.role_arn();
    if (profile.value("mfa_serial")) {
      throw AwsConfigError(where + " sets mfa_serial: a relay cannot type an MFA code; use a role without MFA");
    }
    const auto source_profile = profile.source_profile();
    const auto credential_source = profile.credential_source();
    const std::string session_name = profile.role_session_name().value_or(default_role_session_name(context_.clock));
    if (source_profile && credential_source) {
      throw AwsConfigError(where + " sets both source_profile and credential_source: keep one");
    }
    if (!source_profile && !credential_source) {
      if (auto token_file = profile.web_identity_token_file()) {
        return std::make_unique<WebIdentityCredentials>(
            make_sts_role_client(context_, where),
            WebIdentitySettings{role_arn, *token_file, session_name, profile.describe_source("web_identity_token_file")});
      }
      throw AwsConfigError(where + " sets role_arn but no source_profile, credential_source or web_identity_token_file");
    }
    visited_.push_back(profile.name());
    auto source = source_profile ? source_profile_credentials(profile, *source_profile, where)
                                 : credential_source_credentials(*credential_source, where);
    std::string source_description = source->describe();
    auto source_cache = std::make_shared<CachingCredentials>(std::move(source), context_.clock);
    return std::make_unique<AssumeRoleCredentials>(
        make_sts_role_client(context_, where),
        AssumeRoleCall{role_arn, session_name, profile.external_id(), duration_seconds(profile)},
        std::move(source_cache), std::move(source_description));
  }

  std::unique_ptr<CredentialsProvider> source_profile_credentials(const Profile& profile, const std::string& name,
                                                                  const std::string& where) {
    if (name == profile.name()) {
      // A profile may be its own source_profile: its static keys sign the AssumeRole (botocore allows this).
      auto credentials = profile.static_credentials();
      if (!credentials) throw AwsConfigError(where + " is its own source_profile but has no aws_access_key_id");
      return std::make_unique<StaticCredentialsProvider>(std::move(*credentials),
                                                         "static keys of " + profile.describe_source("aws_access_key_id"));
    }
    if (std::find(visited_.begin(), visited_.end(), name) != visited_.end()) {
      std::string cycle;
      for (const auto& visited : visited_) cycle += visited + " -> ";
      throw AwsConfigError("source_profile links form a cycle: " + cycle + name);
    }
    const Profile source = context_.shared_config.find_profile(name);
    if (!source.exists()) {
      throw AwsConfigError(where + " names source_profile '" + name + "', which is in neither " +
                           context_.shared_config.paths().config_file.string() + " nor " +
                           context_.shared_config.paths().credentials_file.string());
    }
    auto provider = resolve(source);
    if (!provider) {
      throw AwsConfigError("profile '" + name + "', the source_profile of " + where +
                           ", has no aws_access_key_id, credential_process or role_arn");
    }
    return provider;
  }

  std::unique_ptr<CredentialsProvider> credential_source_credentials(const std::string& name, const std::string& where) {
    if (name == "Environment") {
      auto credentials = environment_credentials(context_.environment);
      if (!credentials) throw AwsConfigError(where + " has credential_source Environment but AWS_ACCESS_KEY_ID is not set");
      return std::make_unique<StaticCredentialsProvider>(std::move(*credentials), "environment (AWS_ACCESS_KEY_ID)");
    }
    if (name == "Ec2InstanceMetadata") {
      auto endpoint = instance_metadata_endpoint(context_.environment);
      if (!endpoint) {
        throw AwsConfigError(where + " has credential_source Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED is true");
      }
      return std::make_unique<InstanceMetadataCredentials>(
          InstanceMetadataClient(context_.transport, std::move(*endpoint), context_.clock));
    }
    if (name == "EcsContainer") {
      auto settings = container_credentials_settings(context_.environment);
      if (!settings) {
        throw AwsConfigError(where + " has credential_source EcsContainer but neither "
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
      }
      return std::make_unique<ContainerCredentials>(context_.transport, std::move(*settings));
    }
    throw AwsConfigError(where + " has credential_source '" + name +
                         "': it must be Environment, Ec2InstanceMetadata or EcsContainer");
  }

  const CredentialChainContext& context_;
  std::vector<std::string> visited_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> profile_credentials(const Profile& profile, const CredentialChainContext& context) {
  return ProfileResolver(context).resolve(profile);
}

StsRoleClient make_sts_role_client(const CredentialChainContext& context, const std::string& needed_by) {
  if (context.region.empty()) {
    throw AwsConfigError(needed_by + " needs STS, and STS needs a region: set --region, AWS_REGION or the profile's region");
  }
  return StsRoleClient(context.transport, resolve_endpoint(kSts, context.region, std::nullopt, context.environment),
                   context.region, context.clock);
}

std::string default_role_session_name(const Clock& clock) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  return "kinesyslog-" + std::to_string(seconds);
}

}  // namespace kinesyslog::aws
