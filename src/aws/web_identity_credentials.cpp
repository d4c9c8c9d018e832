#include "aws/web_identity_credentials.hpp"

#include <fstream>
#include <sstream>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {
namespace {

std::string read_token(const WebIdentitySettings& settings) {
  std::ifstream file(settings.token_file, std::ios::binary);
  std::ostringstream text;
  if (!file || !(text << file.rdbuf())) {
    throw AwsConfigError("cannot read the web identity token file " + settings.token_file.string() + " (from " +
                         settings.origin + ")");
  }
  std::string token = text.str();
  // Token files are often written with a trailing newline, which is not part of the JWT.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
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
