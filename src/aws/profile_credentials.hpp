#pragma once
// The credentials a shared-config profile names, resolved as botocore does (credentials.py:
// AssumeRoleProvider, AssumeRoleWithWebIdentityProvider, SharedCredentialProvider, ProcessProvider).
#include <memory>
#include <string>

#include "aws/credential_chain_context.hpp"
#include "aws/credentials_provider.hpp"
#include "aws/sts_role_client.hpp"

namespace kinesyslog::aws {

// In this order: role_arn (AssumeRole signed with its source_profile's or credential_source's
// credentials, or AssumeRoleWithWebIdentity with its web_identity_token_file), static keys,
// credential_process. nullptr when the profile names none of them. AwsConfigError for a profile that
// cannot work: role_arn without a source, both sources, a source_profile cycle or one without
// credentials, an unknown credential_source, mfa_serial (a service cannot type a code).
std::unique_ptr<CredentialsProvider> profile_credentials(const Profile& profile, const CredentialChainContext& context);

// STS in the context's region, at AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL when set.
// AwsConfigError when no region is known.
StsRoleClient make_sts_role_client(const CredentialChainContext& context, const std::string& needed_by);

// The role session name when none is configured: "kinesyslog-<unix seconds>", as botocore uses
// "botocore-session-<unix seconds>"; it shows in CloudTrail.
std::string default_role_session_name(const Clock& clock);

}  // namespace kinesyslog::aws
