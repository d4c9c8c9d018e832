#pragma once
// Token files the platform writes and rotates in place: the web identity JWT (EKS IRSA, GitHub
// OIDC) and the container authorization token (EKS Pod Identity).
#include <filesystem>
#include <string>

namespace kinesyslog::aws {

// The file's text without the line ends and spaces it ends with: `echo` and editors add them, and
// they are no part of a JWT, nor of a header value (HTTP drops trailing whitespace there too).
// Throws AwsConfigError("cannot read " + what + ...) when the file cannot be read.
std::string read_token_file(const std::filesystem::path& path, const std::string& what);

}  // namespace kinesyslog::aws
