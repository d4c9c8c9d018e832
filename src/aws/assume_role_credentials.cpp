#include "aws/assume_role_credentials.hpp"

#include <utility>

namespace kinesyslog::aws {

AssumeRoleCredentials::AssumeRoleCredentials(StsRoleClient sts, AssumeRoleCall call,
                                             std::shared_ptr<CredentialsSource> source, std::string source_description)
    : sts_(std::move(sts)),
      call_(std::move(call)),
      source_(std::move(source)),
      source_description_(std::move(source_description)) {}

Credentials AssumeRoleCredentials::fetch() {
  try {
    return sts_.assume_role(call_, source_->current());
  } catch (const CallerCredentialsExpired&) {
    // The source's temporary credentials were revoked or expired early: fetch new ones, once.
    source_->invalidate();
    return sts_.assume_role(call_, source_->current());
  }
}

std::string AssumeRoleCredentials::describe() const {
  return "role " + call_.role_arn + " assumed with " + source_description_;
}

}  // namespace kinesyslog::aws
