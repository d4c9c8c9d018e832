#include "aws/environment_credentials.hpp"

#include "aws/config_error.hpp"

namespace kinesyslog::aws {

std::optional<Credentials> environment_credentials(const Environment& environment) {
  auto access_key_id = non_empty_variable(environment, "AWS_ACCESS_KEY_ID");
  if (!access_key_id) return std::nullopt;
  auto secret_access_key = non_empty_variable(environment, "AWS_SECRET_ACCESS_KEY");
  if (!secret_access_key) {
    throw AwsConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither");
  }
  Credentials credentials{std::move(*access_key_id), std::move(*secret_access_key), {}, std::nullopt};
  if (auto token = non_empty_variable(environment, "AWS_SESSION_TOKEN")) {
    credentials.session_token = std::move(*token);
  } else if (auto legacy_token = non_empty_variable(environment, "AWS_SECURITY_TOKEN")) {
    credentials.session_token = std::move(*legacy_token);
  }
  return credentials;
}

}  // namespace kinesyslog::aws
