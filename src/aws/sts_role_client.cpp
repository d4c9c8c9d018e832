#include "aws/sts_role_client.hpp"

#include <utility>

#include "aws/config_error.hpp"
#include "aws/iso8601.hpp"
#include "aws/service_error.hpp"
#include "aws/sts_client.hpp"
#include "aws/uri_encoding.hpp"
#include "aws/xml_reader.hpp"

namespace kinesyslog::aws {
namespace {

// The credentials AssumeRole is signed with: the caller's, already fetched by its own source.
class CallerCredentials final : public CredentialsSource {
 public:
  explicit CallerCredentials(const Credentials& credentials) : credentials_(credentials) {}
  Credentials current() override { return credentials_; }

 private:
  const Credentials& credentials_;
};

std::string form_pair(std::string_view name, std::string_view value) {
  return "&" + std::string(name) + "=" + uri_encode(value);
}

std::string describe_call(std::string_view action, std::string_view role_arn, const ResolvedEndpoint& endpoint) {
  return "STS " + std::string(action) + " for " + std::string(role_arn) + " at " + endpoint.url;
}

}  // namespace

std::optional<Credentials> parse_sts_credentials(std::string_view xml) {
  const auto document = read_xml(xml);
  const XmlElement* section = document ? document->find("Credentials") : nullptr;
  if (section == nullptr) return std::nullopt;
  auto access_key_id = section->text_of("AccessKeyId");
  auto secret_access_key = section->text_of("SecretAccessKey");
  auto session_token = section->text_of("SessionToken");
  const auto expiration_text = section->text_of("Expiration");
  if (!access_key_id || access_key_id->empty() || !secret_access_key || secret_access_key->empty() ||
      !session_token || !expiration_text) {
    return std::nullopt;
  }
  const auto expiration = parse_iso8601(*expiration_text);
  if (!expiration) return std::nullopt;
  return Credentials{std::move(*access_key_id), std::move(*secret_access_key), std::move(*session_token), expiration};
}

StsRoleClient::StsRoleClient(HttpTransport& transport, ResolvedEndpoint endpoint, std::string region, const Clock& clock,
                             ClockSkew& skew)
    : transport_(transport), endpoint_(std::move(endpoint)), region_(std::move(region)), clock_(clock), skew_(skew) {
  auto url = parse_endpoint_url(endpoint_.url);
  if (!url) throw AwsConfigError("STS endpoint '" + endpoint_.url + "' (" + endpoint_.source + ") is not an http(s) URL");
  url_ = std::move(*url);
}

Credentials StsRoleClient::assume_role(const AssumeRoleCall& call, const Credentials& caller) {
  std::string form = sts_form("AssumeRole") + form_pair("RoleArn", call.role_arn) +
                     form_pair("RoleSessionName", call.role_session_name);
  if (call.external_id) form += form_pair("ExternalId", *call.external_id);
  if (call.duration_seconds) form += form_pair("DurationSeconds", std::to_string(*call.duration_seconds));
  const std::string what = describe_call("AssumeRole", call.role_arn, endpoint_);
  CallerCredentials credentials(caller);
  SignedClient sts(url_, SigV4Signer(region_, "sts"), credentials, transport_, clock_, HttpTimeouts{}, skew_);
  try {
    return credentials_from(sts.send(query_request(std::move(form))), what);
  } catch (const HttpTransportError& error) {
    throw CredentialsUnavailable(what + " got no answer: " + error.what());
  }
}

Credentials StsRoleClient::assume_role_with_web_identity(const AssumeRoleWithWebIdentityCall& call) {
  std::string form = sts_form("AssumeRoleWithWebIdentity") + form_pair("RoleArn", call.role_arn) +
                     form_pair("RoleSessionName", call.role_session_name) +
                     form_pair("WebIdentityToken", call.web_identity_token);
  if (call.duration_seconds) form += form_pair("DurationSeconds", std::to_string(*call.duration_seconds));
  const std::string what = describe_call("AssumeRoleWithWebIdentity", call.role_arn, endpoint_);
  try {
    return credentials_from(send_unsigned(transport_, url_, query_request(std::move(form)), HttpTimeouts{}), what);
  } catch (const HttpTransportError& error) {
    throw CredentialsUnavailable(what + " got no answer: " + error.what());
  }
}

Credentials StsRoleClient::credentials_from(const HttpResponse& response, const std::string& what) {
  if (response.status == 200) {
    if (auto credentials = parse_sts_credentials(response.body)) return std::move(*credentials);
    throw CredentialsUnavailable(what + " answered 200 without readable credentials");
  }
  const ServiceError error = query_service_error(response);
  std::string detail = "HTTP " + std::to_string(response.status);
  if (!error.code.empty()) detail += " " + error.code + ": " + error.message;
  switch (error_action(error)) {
    case ErrorAction::kRefreshCredentialsAndRetry:
      throw CallerCredentialsExpired(what + " refused the signing credentials: " + detail);
    case ErrorAction::kRetry:
      throw CredentialsUnavailable(what + " failed, will retry: " + detail);
    case ErrorAction::kGiveUp:
      break;
  }
  throw AwsConfigError(what + " was refused: " + detail);
}

}  // namespace kinesyslog::aws
