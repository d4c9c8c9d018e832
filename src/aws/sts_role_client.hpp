#pragma once
// The two STS calls that yield role credentials (STS API Reference, "AssumeRole" and
// "AssumeRoleWithWebIdentity"), sent like GetCallerIdentity through SignedClient's query requests.
#include <optional>
#include <string>
#include <string_view>

#include "aws/clock_skew.hpp"
#include "aws/credentials.hpp"
#include "aws/credentials_provider.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_transport.hpp"
#include "aws/signed_client.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// STS answered ExpiredToken: the caller's (source) credentials are no longer accepted, though our
// copy of their expiration may say otherwise. Fetching fresh source credentials fixes it.
class CallerCredentialsExpired : public CredentialsUnavailable {
 public:
  using CredentialsUnavailable::CredentialsUnavailable;
};

struct AssumeRoleCall {
  std::string role_arn;
  std::string role_session_name;
  std::optional<std::string> external_id;
  std::optional<int> duration_seconds;  // STS's default (3600) when unset
};

struct AssumeRoleWithWebIdentityCall {
  std::string role_arn;
  std::string role_session_name;
  std::string web_identity_token;
  std::optional<int> duration_seconds;
};

class StsRoleClient {
 public:
  // `endpoint` from resolve_endpoint(kSts, …); `region` scopes the signature, made at `skew`'s time.
  StsRoleClient(HttpTransport& transport, ResolvedEndpoint endpoint, std::string region, const Clock& clock,
                ClockSkew& skew = ClockSkew::process());

  // Signed with `caller`. Throws CredentialsUnavailable (no answer, throttled, 5xx, a clock skew
  // that could not be corrected at once), CallerCredentialsExpired or AwsConfigError.
  Credentials assume_role(const AssumeRoleCall& call, const Credentials& caller);
  // Unsigned: the token is the proof of identity.
  Credentials assume_role_with_web_identity(const AssumeRoleWithWebIdentityCall& call);

 private:
  // The answer's credentials, or the exception error_action() calls for.
  static Credentials credentials_from(const HttpResponse& response, const std::string& what);

  HttpTransport& transport_;
  ResolvedEndpoint endpoint_;
  EndpointUrl url_;
  std::string region_;
  const Clock& clock_;
  ClockSkew& skew_;
};

// The <Credentials> of an AssumeRole* answer; nullopt when a member is missing or the expiration unreadable.
std::optional<Credentials> parse_sts_credentials(std::string_view xml);

}  // namespace kinesyslog::aws
