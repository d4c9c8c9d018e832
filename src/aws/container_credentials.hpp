#pragma once
// The ECS / EKS Pod Identity container credentials endpoint (AWS SDKs and Tools Reference Guide,
// "Container credential provider").
#include <filesystem>
#include <optional>
#include <string>

#include "aws/credentials_provider.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_transport.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

struct ContainerCredentialsSettings {
  std::string url;                 // as configured, for messages
  EndpointUrl endpoint;
  std::string query;               // after '?', if the URI has one
  std::string origin;              // the variable the URL came from
  std::optional<std::string> authorization_token;
  std::optional<std::filesystem::path> authorization_token_file;  // read on every fetch; wins over the token
};

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2), else AWS_CONTAINER_CREDENTIALS_FULL_URI,
// with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN. nullopt when neither URI
// is set. AwsConfigError for a full URI the SDKs refuse: plain http is allowed only to loopback and to
// the ECS/EKS link-local hosts, so credentials never cross a network unencrypted.
std::optional<ContainerCredentialsSettings> container_credentials_settings(const Environment& environment);

class ContainerCredentials final : public CredentialsProvider {
 public:
  ContainerCredentials(HttpTransport& transport, ContainerCredentialsSettings settings);
  Credentials fetch() override;
  std::string describe() const override;

 private:
  std::optional<std::string> authorization() const;

  HttpTransport& transport_;
  ContainerCredentialsSettings settings_;
};

}  // namespace kinesyslog::aws
