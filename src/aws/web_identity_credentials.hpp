#pragma once
// STS AssumeRoleWithWebIdentity with a token read from a file (EKS IRSA, GitHub OIDC): the file is
// read again on every fetch, because the platform rotates the token in place.
#include <filesystem>
#include <optional>
#include <string>

#include "aws/credentials_provider.hpp"
#include "aws/sts_role_client.hpp"

namespace kinesyslog::aws {

struct WebIdentitySettings {
  std::string role_arn;
  std::filesystem::path token_file;
  std::string role_session_name;
  std::string origin;  // "AWS_WEB_IDENTITY_TOKEN_FILE" or "profile 'x' in …", for messages
};

class WebIdentityCredentials final : public CredentialsProvider {
 public:
  WebIdentityCredentials(StsRoleClient sts, WebIdentitySettings settings);
  // AwsConfigError when the token file cannot be read or is empty.
  Credentials fetch() override;
  std::string describe() const override;

 private:
  StsRoleClient sts_;
  WebIdentitySettings settings_;
};

}  // namespace kinesyslog::aws
