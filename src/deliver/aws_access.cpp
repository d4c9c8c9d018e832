#include "deliver/aws_access.hpp"

#include <fmt/format.h>

#include "aws/config_error.hpp"
#include "aws/credential_chain.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/shared_config.hpp"

namespace kinesyslog::deliver {

AwsAccess resolve_aws_access(const std::string& region, const std::string& profile, const Environment& environment,
                             aws::HttpTransport& credentials_transport, const Clock& clock) {
  const auto paths = aws::SharedConfigPaths::resolve(environment);
  const aws::SharedConfig shared = aws::SharedConfig::load(paths);
  const aws::Profile chosen = shared.profile(aws::resolve_profile_name(given(profile), environment));
  auto resolved = aws::resolve_region(given(region), environment, chosen);
  if (!resolved) resolved = aws::instance_region(credentials_transport, environment, clock);
  if (!resolved) {
    throw aws::AwsConfigError(fmt::format(
        "no AWS region: tried --region, AWS_REGION, AWS_DEFAULT_REGION, 'region' in profile '{}' of {} and the "
        "EC2 instance identity document; set one",
        chosen.name(), paths.config_file.string()));
  }
  auto credentials = aws::resolve_credentials(
      aws::CredentialChainContext{environment, shared, resolved->name, credentials_transport, clock}, chosen);
  return AwsAccess{std::move(*resolved), std::move(credentials)};
}

std::optional<std::string> given(const std::string& option) {
  return option.empty() ? std::nullopt : std::optional<std::string>(option);
}

aws::EndpointUrl endpoint_url(const aws::ResolvedEndpoint& resolved) {
  auto url = aws::parse_endpoint_url(resolved.url);
  if (!url) throw aws::AwsConfigError(fmt::format("{}: '{}' is not an http(s) URL", resolved.source, resolved.url));
  return *url;
}

bool is_invalid_call(const aws::ServiceError& error) {
  if (error.http_status == 413) return true;
  const bool client_error = error.http_status >= 400 && error.http_status < 500;
  return client_error && (error.code == "ValidationException" || error.code == "InvalidArgumentException");
}

}  // namespace kinesyslog::deliver
