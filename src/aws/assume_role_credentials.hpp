#pragma once
// STS AssumeRole for a profile with role_arn, signed with the credentials of its source_profile
// or credential_source (which are refreshed on their own).
#include <memory>
#include <string>

#include "aws/credentials_provider.hpp"
#include "aws/credentials_source.hpp"
#include "aws/sts_role_client.hpp"

namespace kinesyslog::aws {

class AssumeRoleCredentials final : public CredentialsProvider {
 public:
  // `source_description`: where the signing credentials come from, for messages.
  AssumeRoleCredentials(StsRoleClient sts, AssumeRoleCall call, std::shared_ptr<CredentialsSource> source,
                        std::string source_description);
  Credentials fetch() override;
  std::string describe() const override;

 private:
  StsRoleClient sts_;
  AssumeRoleCall call_;
  std::shared_ptr<CredentialsSource> source_;
  std::string source_description_;
};

}  // namespace kinesyslog::aws
