#include "aws/credential_chain.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "aws/config_error.hpp"
#include "aws/container_credentials.hpp"
#include "aws/environment_credentials.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/profile_credentials.hpp"
#include "aws/static_credentials_provider.hpp"
#include "aws/web_identity_credentials.hpp"

namespace kinesyslog::aws {
namespace {

struct SkippedSource {
  std::string source;
  std::string reason;
};

std::unique_ptr<CredentialsProvider> web_identity_from_environment(const CredentialChainContext& context,
                                                                   std::vector<SkippedSource>& skipped) {
  const auto token_file = non_empty_variable(context.environment, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const auto role_arn = non_empty_variable(context.environment, "AWS_ROLE_ARN");
  if (!token_file || !role_arn) {
    skipped.push_back({"web identity", token_file ? "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"
                                                  : "AWS_WEB_IDENTITY_TOKEN_FILE is not set"});
    return nullptr;
  }
  const auto session_name = non_empty_variable(context.environment, "AWS_ROLE_SESSION_NAME")
                                .value_or(default_role_session_name(context.clock));
  return std::make_unique<WebIdentityCredentials>(
      make_sts_role_client(context, "AWS_WEB_IDENTITY_TOKEN_FILE"),
      WebIdentitySettings{*role_arn, *token_file, session_name, "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN"});
}

std::string profile_reason(const Profile& profile, const SharedConfigPaths& paths) {
  if (!profile.exists()) {
    return "not in " + paths.config_file.string() + " or " + paths.credentials_file.string();
  }
  return "has no aws_access_key_id, credential_process or role_arn";
}

std::string no_credentials_message(const std::vector<SkippedSource>& skipped) {
  std::string message = "no AWS credentials found; tried, in order:";
  for (const auto& [source, reason] : skipped) message += "\n  " + source + ": " + reason;
  message += "\nset AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or run "
             "where a role is attached";
  return message;
}

}  // namespace

std::unique_ptr<CachingCredentials> resolve_credentials(const CredentialChainContext& context, const Profile& profile) {
  std::vector<SkippedSource> skipped;
  auto chosen = [&](std::unique_ptr<CredentialsProvider> provider, std::optional<Credentials> initial = std::nullopt) {
    spdlog::info("credentials: using {}", provider->describe());
    return std::make_unique<CachingCredentials>(std::move(provider), context.clock, std::move(initial));
  };

  if (auto credentials = environment_credentials(context.environment)) {
    return chosen(std::make_unique<StaticCredentialsProvider>(std::move(*credentials), "environment (AWS_ACCESS_KEY_ID)"));
  }
  skipped.push_back({"environment", "AWS_ACCESS_KEY_ID is not set"});

  if (auto provider = web_identity_from_environment(context, skipped)) return chosen(std::move(provider));

  if (auto provider = profile_credentials(profile, context)) return chosen(std::move(provider));
  skipped.push_back({"profile '" + profile.name() + "'", profile_reason(profile, context.shared_config.paths())});

  if (auto settings = container_credentials_settings(context.environment)) {
    return chosen(std::make_unique<ContainerCredentials>(context.transport, std::move(*settings)));
  }
  skipped.push_back({"container endpoint", "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                           "AWS_CONTAINER_CREDENTIALS_FULL_URI is set"});

  if (auto endpoint = instance_metadata_endpoint(context.environment)) {
    auto provider = std::make_unique<InstanceMetadataCredentials>(
        InstanceMetadataClient(context.transport, std::move(*endpoint), context.clock));
    try {
      auto credentials = provider->fetch();
      return chosen(std::move(provider), std::move(credentials));
    } catch (const CredentialsUnavailable& error) {
      skipped.push_back({"EC2 instance metadata", error.what()});
    } catch (const AwsConfigError& error) {
      skipped.push_back({"EC2 instance metadata", error.what()});
    }
  } else {
    skipped.push_back({"EC2 instance metadata", "AWS_EC2_METADATA_DISABLED is true"});
  }
  throw AwsConfigError(no_credentials_message(skipped));
}

}  // namespace kinesyslog::aws
