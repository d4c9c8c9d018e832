#pragma once
// The AWS region to call, in the SDKs' order (AWS SDKs and Tools Reference Guide, "AWS Region").
#include <optional>
#include <string>

#include "aws/shared_config.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

struct ResolvedRegion {
  std::string name;    // "eu-west-1"
  std::string source;  // where it came from, for logs and errors: "--region", "AWS_REGION", "profile 'x' in …"
};

// --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region`; nullopt when
// none is set (the caller then asks the EC2 instance identity document).
std::optional<ResolvedRegion> resolve_region(const std::optional<std::string>& option,
                                             const Environment& environment, const Profile& profile);

// True for names like "us-east-1" or "cn-north-1": letters, digits and inner hyphens, at most 63
// characters (botocore's check, which keeps a bad value from being spliced into a hostname).
bool is_valid_region_name(std::string_view name);

}  // namespace kinesyslog::aws
