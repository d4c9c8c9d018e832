#pragma once
// credential_process: a profile's command that prints credentials as JSON (AWS SDKs and Tools
// Reference Guide, "Process credential provider"). Its stderr goes to our log.
#include <string>

#include "aws/credentials_provider.hpp"
#include "aws/shell_command.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

class ProcessCredentials final : public CredentialsProvider {
 public:
  // `origin`: "profile 'x' in /home/u/.aws/config", for messages.
  ProcessCredentials(std::string command, std::string origin, const Clock& clock, ShellCommandLimits limits = {});
  // AwsConfigError when the command fails or prints something unusable; CredentialsUnavailable when it times out.
  Credentials fetch() override;
  std::string describe() const override;

 private:
  std::string command_;
  std::string origin_;
  const Clock& clock_;
  ShellCommandLimits limits_;
};

}  // namespace kinesyslog::aws
