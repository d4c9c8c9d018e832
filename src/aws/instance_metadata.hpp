#pragma once
// EC2 instance metadata (IMDSv2): a session token from PUT /latest/api/token, then GETs carrying it
// (EC2 User Guide, "Use the Instance Metadata Service to access instance metadata"). Timeouts are
// short because off EC2 nothing answers and the credential chain must move on quickly.
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials_provider.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_transport.hpp"
#include "aws/region.hpp"
#include "core/clock.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

struct InstanceMetadataEndpoint {
  std::string url;     // for messages
  EndpointUrl endpoint;
  std::string origin;  // "AWS_EC2_METADATA_SERVICE_ENDPOINT" or "default"
};

// AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 (http://[fd00:ec2::254] with
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6). nullopt when AWS_EC2_METADATA_DISABLED is "true"
// (any case); AwsConfigError for a malformed override.
std::optional<InstanceMetadataEndpoint> instance_metadata_endpoint(const Environment& environment);

// Not thread-safe: one user at a time (CachingCredentials serialises its fetches).
class InstanceMetadataClient {
 public:
  static constexpr int kTokenTtlSeconds = 21600;  // the most IMDS grants, as the SDKs ask for
  static constexpr HttpTimeouts kTimeouts{std::chrono::seconds(1), std::chrono::seconds(2)};

  InstanceMetadataClient(HttpTransport& transport, InstanceMetadataEndpoint endpoint, const Clock& clock);

  // The body of GET `path`; nullopt on 404. CredentialsUnavailable when IMDS does not answer or fails.
  std::optional<std::string> get(std::string_view path);
  const InstanceMetadataEndpoint& endpoint() const { return endpoint_; }

 private:
  const std::string& session_token();
  HttpResponse send(const HttpRequest& request, std::string_view path);

  HttpTransport& transport_;
  InstanceMetadataEndpoint endpoint_;
  const Clock& clock_;
  std::optional<std::string> token_;
  SteadyTime token_renew_at_{};
};

// The instance profile's role credentials.
class InstanceMetadataCredentials final : public CredentialsProvider {
 public:
  explicit InstanceMetadataCredentials(InstanceMetadataClient client);
  // AwsConfigError when the instance has no IAM role; CredentialsUnavailable when IMDS is unreachable.
  Credentials fetch() override;
  std::string describe() const override;

 private:
  InstanceMetadataClient client_;
};

// The `region` of the instance identity document: the last step of region resolution. nullopt when
// IMDS is disabled, unreachable or answers without a valid region.
std::optional<ResolvedRegion> instance_region(HttpTransport& transport, const Environment& environment,
                                              const Clock& clock);

}  // namespace kinesyslog::aws
