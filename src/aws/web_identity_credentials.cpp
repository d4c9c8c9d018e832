#include "aws/web_identity_credentials.hpp"

#include "aws/config_error.hpp"
#include "aws/token_file.hpp"

namespace kinesyslog::aws {
namespace {

std::string read_token(const WebIdentitySettings& settings) {
  std::string token = read_token_file(settings.token_file, "the web identity token file " +
                                                                settings.token_file.string() + " (from " +
                                                                settings.origin + ")");
  if (token.empty()) {
    throw AwsConfigError("the web identity token file " + settings.token_file.string() + " (from " + settings.origin +
                         ") is empty");
  }
  return token;
}

}  // namespace

WebIdentityCredentials::WebIdentityCredentials(StsRoleClient sts, WebIdentitySettings settings)
    : sts_(std::move(sts)), settings_(std::move(settings)) {}

Credentials WebIdentityCredentials::fetch() {
  return sts_.assume_role_with_web_identity(
      {settings_.role_arn, settings_.role_session_name, read_token(settings_), std::nullopt});
}

std::string WebIdentityCredentials::describe() const {
  return "web identity (role " + settings_.role_arn + ", token file " + settings_.token_file.string() + ", from " +
         settings_.origin + ")";
}

}  // namespace kinesyslog::aws
