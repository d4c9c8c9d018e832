#include "aws/container_credentials.hpp"

#include "aws/config_error.hpp"
#include "aws/credentials_json.hpp"
#include "aws/token_file.hpp"

namespace kinesyslog::aws {
namespace {

constexpr std::string_view kEcsHost = "http://169.254.170.2";

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

// ECS task metadata and EKS Pod Identity agent addresses.
bool is_container_host(std::string_view host) {
  return host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

}  // namespace

std::optional<ContainerCredentialsSettings> container_credentials_settings(const Environment& environment) {
  ContainerCredentialsSettings settings;
  if (auto relative = non_empty_variable(environment, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    settings.url = std::string(kEcsHost) + (relative->starts_with('/') ? "" : "/") + *relative;
    settings.origin = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  } else if (auto full = non_empty_variable(environment, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    settings.url = *full;
    settings.origin = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  } else {
    return std::nullopt;
  }
  const std::size_t question = settings.url.find('?');
  const std::string without_query = settings.url.substr(0, question);
  if (question != std::string::npos) settings.query = settings.url.substr(question + 1);
  auto endpoint = parse_endpoint_url(without_query);
  if (!endpoint) throw AwsConfigError(settings.origin + " '" + settings.url + "' is not an http(s) URL");
  if (endpoint->scheme == "http" && !is_loopback_host(endpoint->host) && !is_container_host(endpoint->host)) {
    throw AwsConfigError(settings.origin + " '" + settings.url +
                         "' is plain http to a host that is neither loopback nor the ECS/EKS credentials "
                         "address: use https");
  }
  settings.endpoint = std::move(*endpoint);
  if (auto file = non_empty_variable(environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    settings.authorization_token_file = *file;
  } else {
    settings.authorization_token = non_empty_variable(environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  return settings;
}

ContainerCredentials::ContainerCredentials(HttpTransport& transport, ContainerCredentialsSettings settings)
    : transport_(transport), settings_(std::move(settings)) {}

std::optional<std::string> ContainerCredentials::authorization() const {
  std::optional<std::string> token = settings_.authorization_token;
  if (settings_.authorization_token_file) {
    token = read_token_file(*settings_.authorization_token_file,
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + settings_.authorization_token_file->string());
  }
  // A line break would let the value smuggle another header into the request.
  if (token && token->find_first_of("\r\n") != std::string::npos) {
    throw AwsConfigError("the container authorization token contains a line break");
  }
  return token;
}

Credentials ContainerCredentials::fetch() {
  HttpRequest request;
  request.method = "GET";
  request.path = settings_.endpoint.path;
  request.query = settings_.query;
  request.headers = {{"Accept", "application/json"}};
  if (auto token = authorization()) request.headers.emplace_back("Authorization", std::move(*token));

  const std::string what = "the container credentials endpoint " + settings_.url + " (" + settings_.origin + ")";
  HttpResponse response;
  try {
    // botocore's ContainerMetadataFetcher allows 2 s per attempt.
    response = transport_.send(settings_.endpoint, request, HttpTimeouts{std::chrono::seconds(2), std::chrono::seconds(2)});
  } catch (const HttpTransportError& error) {
    throw CredentialsUnavailable(what + " did not answer: " + error.what());
  }
  if (response.status != 200) {
    const std::string detail = what + " answered HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
    if (response.status >= 500 || response.status == 429) throw CredentialsUnavailable(detail);
    throw AwsConfigError(detail);
  }
  auto parsed = parse_credentials_json(response.body, CredentialsJsonDialect::kMetadataService);
  if (!parsed.credentials) throw CredentialsUnavailable(what + " answered unusable credentials: " + parsed.problem);
  return std::move(*parsed.credentials);
}

std::string ContainerCredentials::describe() const {
  return "container credentials endpoint " + settings_.url + " (" + settings_.origin + ")";
}

}  // namespace kinesyslog::aws
