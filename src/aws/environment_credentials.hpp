#pragma once
// Static credentials from the environment, the first link of every SDK's credential chain.
#include <optional>

#include "aws/credentials.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN (or botocore's legacy
// AWS_SECURITY_TOKEN). nullopt when no access key is set; AwsConfigError when the secret is missing.
std::optional<Credentials> environment_credentials(const Environment& environment);

}  // namespace kinesyslog::aws
