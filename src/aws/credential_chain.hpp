#pragma once
// The credential chain in the AWS SDKs' order (AWS SDKs and Tools Reference Guide, "Understand the
// credential provider chain"): environment, web identity from the environment, the profile in the
// shared files, the ECS container endpoint, EC2 instance metadata.
#include <memory>

#include "aws/caching_credentials.hpp"
#include "aws/credential_chain_context.hpp"
#include "aws/shared_config.hpp"

namespace kinesyslog::aws {

// The first source that applies, behind a CachingCredentials. Sources chosen by settings alone
// (environment, web identity, profile, container) are picked without a call, so an unreachable AWS
// at start does not stop the relay: their first fetch happens on the first current(). IMDS is picked
// only when it answers with credentials (1 s connect timeout), since off EC2 nothing answers.
// AwsConfigError naming every source tried and why it did not apply when none does, or when a
// chosen source's settings are broken. Of `context`, only the transport and the clock are kept:
// they must outlive the result; the transport is used only under the cache's refresh lock.
std::unique_ptr<CachingCredentials> resolve_credentials(const CredentialChainContext& context, const Profile& profile);

}  // namespace kinesyslog::aws
