#pragma once
// One link of the credential chain (environment, web identity, credential_process, AssumeRole,
// ECS, IMDS): fetches a fresh set each time it is asked; CachingCredentials decides when to ask.
#include <stdexcept>
#include <string>

#include "aws/credentials.hpp"

namespace kinesyslog::aws {

// The source could not be reached or asked us to come back (no answer, 5xx, throttling, a helper
// that timed out): worth retrying later. Definitive problems (a bad token file, AccessDenied, a
// helper that exits non-zero) are AwsConfigError instead.
class CredentialsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Fresh credentials; throws CredentialsUnavailable or AwsConfigError.
  virtual Credentials fetch() = 0;
  // Where the credentials come from, for logs and errors: "web identity (role arn:…, token /var/…)".
  virtual std::string describe() const = 0;
};

}  // namespace kinesyslog::aws
