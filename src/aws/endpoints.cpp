#include "aws/endpoints.hpp"

#include <fmt/format.h>

#include "aws/config_error.hpp"
#include "aws/region.hpp"
#include "core/ascii.hpp"

namespace kinesyslog::aws {
namespace {

bool is_host_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

bool environment_endpoints_ignored(const Environment& environment) {
  auto ignore = non_empty_variable(environment, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  return ignore && ascii_lower(*ignore) == "true";
}

std::optional<uint16_t> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

ResolvedEndpoint checked(std::string url, std::string source) {
  if (!parse_endpoint_url(url)) {
    throw AwsConfigError(fmt::format("{} is '{}', which is not an http:// or https:// URL with a host", source, url));
  }
  return {std::move(url), std::move(source)};
}

}  // namespace

std::string_view dns_suffix(std::string_view region) {
  // Partition DNS suffixes from the SDKs' endpoints.json (partitions aws-cn, aws-iso-b, aws-iso).
  if (region.starts_with("cn-")) return "amazonaws.com.cn";
  if (region.starts_with("us-isob-")) return "sc2s.sgov.gov";
  if (region.starts_with("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

std::string default_endpoint(const AwsService& service, std::string_view region) {
  if (!is_valid_region_name(region)) {
    throw AwsConfigError(fmt::format("'{}' is not a valid AWS region name (e.g. us-east-1)", region));
  }
  return fmt::format("https://{}.{}.{}", service.endpoint_prefix, region, dns_suffix(region));
}

ResolvedEndpoint resolve_endpoint(const AwsService& service, std::string_view region,
                                  const std::optional<std::string>& explicit_url, const Environment& environment) {
  if (explicit_url && !explicit_url->empty()) return checked(*explicit_url, "--endpoint-url");
  if (!environment_endpoints_ignored(environment)) {
    const std::string service_variable = fmt::format("AWS_ENDPOINT_URL_{}", service.environment_id);
    if (auto url = non_empty_variable(environment, service_variable)) return checked(*url, service_variable);
    if (auto url = non_empty_variable(environment, "AWS_ENDPOINT_URL")) return checked(*url, "AWS_ENDPOINT_URL");
  }
  return {default_endpoint(service, region), fmt::format("default for {}", region)};
}

std::string EndpointUrl::host_header() const {
  const uint16_t default_port = scheme == "https" ? 443 : 80;
  if (!port || *port == default_port) return host;
  return fmt::format("{}:{}", host, *port);
}

std::optional<EndpointUrl> parse_endpoint_url(std::string_view url) {
  EndpointUrl parsed;
  const std::string lower = ascii_lower(url.substr(0, 8));
  if (lower.starts_with("https://")) {
    parsed.scheme = "https";
    url.remove_prefix(8);
  } else if (lower.starts_with("http://")) {
    parsed.scheme = "http";
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (url.find_first_of("?#@ ") != std::string_view::npos) return std::nullopt;
  const size_t path_start = url.find('/');
  std::string_view authority = url.substr(0, path_start);
  parsed.path = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t closing = authority.find(']');
    if (closing == std::string_view::npos || closing < 2) return std::nullopt;
    host = authority.substr(0, closing + 1);
    const std::string_view rest = authority.substr(closing + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!is_host_character(c) && c != ':') return std::nullopt;
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (host.empty()) return std::nullopt;
    for (char c : host) {
      if (!is_host_character(c)) return std::nullopt;
    }
  }
  if (!port.empty()) {
    parsed.port = parse_port(port);
    if (!parsed.port) return std::nullopt;
  }
  parsed.host = ascii_lower(host);
  return parsed;
}

}  // namespace kinesyslog::aws
