#include "aws/instance_metadata.hpp"

#include <simdjson.h>

#include "aws/config_error.hpp"
#include "aws/credentials_json.hpp"
#include "core/ascii.hpp"

namespace kinesyslog::aws {
namespace {

constexpr std::string_view kRoleListPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kIdentityDocumentPath = "/latest/dynamic/instance-identity/document";

// The override may carry a path prefix; IMDS paths are appended to it.
std::string join_path(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + std::string(path);
}

}  // namespace

std::optional<InstanceMetadataEndpoint> instance_metadata_endpoint(const Environment& environment) {
  if (auto disabled = non_empty_variable(environment, "AWS_EC2_METADATA_DISABLED");
      disabled && ascii_equals_ignoring_case(*disabled, "true")) {
    return std::nullopt;
  }
  InstanceMetadataEndpoint result;
  if (auto url = non_empty_variable(environment, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    result.url = *url;
    result.origin = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  } else {
    const auto mode = non_empty_variable(environment, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    result.url = mode && ascii_equals_ignoring_case(*mode, "IPv6") ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
    result.origin = "default";
  }
  auto endpoint = parse_endpoint_url(result.url);
  if (!endpoint) throw AwsConfigError(result.origin + " '" + result.url + "' is not an http(s) URL");
  result.endpoint = std::move(*endpoint);
  return result;
}

InstanceMetadataClient::InstanceMetadataClient(HttpTransport& transport, InstanceMetadataEndpoint endpoint,
                                               const Clock& clock)
    : transport_(transport), endpoint_(std::move(endpoint)), clock_(clock) {}

HttpResponse InstanceMetadataClient::send(const HttpRequest& request, std::string_view path) {
  try {
    return transport_.send(endpoint_.endpoint, request, kTimeouts);
  } catch (const HttpTransportError& error) {
    throw CredentialsUnavailable("EC2 instance metadata at " + endpoint_.url + " did not answer " + request.method +
                                 " " + std::string(path) + ": " + error.what());
  }
}

const std::string& InstanceMetadataClient::session_token() {
  if (token_ && clock_.steady_now() < token_renew_at_) return *token_;
  HttpRequest request;
  request.method = "PUT";
  request.path = join_path(endpoint_.endpoint.path, "/latest/api/token");
  request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(kTokenTtlSeconds)}};
  const auto requested_at = clock_.steady_now();
  const HttpResponse response = send(request, "/latest/api/token");
  if (response.status != 200 || response.body.empty()) {
    throw CredentialsUnavailable("EC2 instance metadata at " + endpoint_.url + " answered HTTP " +
                                 std::to_string(response.status) + " to the IMDSv2 token request");
  }
  token_ = response.body;
  // Renew a minute early so a token never expires between our check and IMDS's.
  token_renew_at_ = requested_at + std::chrono::seconds(kTokenTtlSeconds - 60);
  return *token_;
}

std::optional<std::string> InstanceMetadataClient::get(std::string_view path) {
  HttpRequest request;
  request.method = "GET";
  request.path = join_path(endpoint_.endpoint.path, path);
  for (int attempt = 0; attempt < 2; ++attempt) {
    request.headers = {{"X-aws-ec2-metadata-token", session_token()}};
    const HttpResponse response = send(request, path);
    if (response.status == 200) return response.body;
    if (response.status == 404) return std::nullopt;
    if (response.status == 401 && attempt == 0) {
      token_.reset();  // the token expired or IMDS restarted: get a new one once
      continue;
    }
    throw CredentialsUnavailable("EC2 instance metadata at " + endpoint_.url + " answered HTTP " +
                                 std::to_string(response.status) + " to GET " + std::string(path));
  }
  throw CredentialsUnavailable("EC2 instance metadata at " + endpoint_.url + " refused a fresh IMDSv2 token for GET " +
                               std::string(path));
}

InstanceMetadataCredentials::InstanceMetadataCredentials(InstanceMetadataClient client) : client_(std::move(client)) {}

Credentials InstanceMetadataCredentials::fetch() {
  const auto roles = client_.get(kRoleListPath);
  // The listing holds one role name per line; an instance profile has exactly one role.
  const std::string role = roles ? roles->substr(0, roles->find('\n')) : std::string();
  if (role.empty()) {
    throw AwsConfigError("EC2 instance metadata at " + client_.endpoint().url +
                         " lists no IAM role: attach an instance profile to this instance");
  }
  const auto document = client_.get(std::string(kRoleListPath) + role);
  if (!document) {
    throw CredentialsUnavailable("EC2 instance metadata at " + client_.endpoint().url + " has no credentials for role " +
                                 role);
  }
  auto parsed = parse_credentials_json(*document, CredentialsJsonDialect::kMetadataService);
  if (!parsed.credentials) {
    throw CredentialsUnavailable("EC2 instance metadata at " + client_.endpoint().url +
                                 " answered unusable credentials for role " + role + ": " + parsed.problem);
  }
  return std::move(*parsed.credentials);
}

std::string InstanceMetadataCredentials::describe() const {
  return "EC2 instance metadata at " + client_.endpoint().url + " (" + client_.endpoint().origin + ")";
}

std::optional<ResolvedRegion> instance_region(HttpTransport& transport, const Environment& environment,
                                              const Clock& clock) {
  auto endpoint = instance_metadata_endpoint(environment);
  if (!endpoint) return std::nullopt;
  InstanceMetadataClient client(transport, *endpoint, clock);
  std::optional<std::string> document;
  try {
    document = client.get(kIdentityDocumentPath);
  } catch (const CredentialsUnavailable&) {
    return std::nullopt;  // off EC2: the caller reports that no region is configured
  }
  if (!document) return std::nullopt;
  simdjson::dom::parser parser;
  std::string_view region;
  if (parser.parse(simdjson::padded_string(*document))["region"].get_string().get(region) ||
      !is_valid_region_name(region)) {
    return std::nullopt;
  }
  return ResolvedRegion{std::string(region), "the EC2 instance identity document at " + endpoint->url};
}

}  // namespace kinesyslog::aws
