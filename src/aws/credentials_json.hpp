#pragma once
// The JSON credential documents of IMDS, the ECS container endpoint and credential_process.
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"

namespace kinesyslog::aws {

enum class CredentialsJsonDialect {
  // IMDS and ECS: {"Code":"Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
  // ("Code" only from IMDS; Token and Expiration required).
  kMetadataService,
  // credential_process (AWS SDKs reference, "Sourcing credentials with an external process"):
  // {"Version":1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}.
  kProcess,
};

struct ParsedCredentialsJson {
  std::optional<Credentials> credentials;
  std::string problem;  // what is wrong with the document, when `credentials` is nullopt
};

ParsedCredentialsJson parse_credentials_json(std::string_view json, CredentialsJsonDialect dialect);

}  // namespace kinesyslog::aws
