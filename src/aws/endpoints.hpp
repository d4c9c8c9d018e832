#pragma once
// Service endpoint URLs: the regional defaults, and the overrides the SDKs honour (AWS SDKs and
// Tools Reference Guide, "Service-specific endpoints": code, then AWS_ENDPOINT_URL_<SERVICE>, then
// AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the environment).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/environment.hpp"

namespace kinesyslog::aws {

struct AwsService {
  std::string_view endpoint_prefix;  // first label of the default hostname: "firehose"
  std::string_view environment_id;   // suffix of AWS_ENDPOINT_URL_<ID>: the service id upper-cased, '_' for ' '
};

inline constexpr AwsService kFirehose{"firehose", "FIREHOSE"};
inline constexpr AwsService kSts{"sts", "STS"};
inline constexpr AwsService kKinesis{"kinesis", "KINESIS"};

// The partition's DNS suffix: "amazonaws.com.cn" for cn-*, the ISO partitions' own, else "amazonaws.com".
std::string_view dns_suffix(std::string_view region);

// "https://firehose.eu-west-1.amazonaws.com"; AwsConfigError for a malformed region name.
std::string default_endpoint(const AwsService& service, std::string_view region);

struct ResolvedEndpoint {
  std::string url;
  std::string source;  // "--endpoint-url", "AWS_ENDPOINT_URL_FIREHOSE", "AWS_ENDPOINT_URL" or "default for <region>"
};

// `explicit_url` (the command line), then the environment, then the regional default.
// A URL that is not http(s)://host… is an AwsConfigError naming where it came from.
ResolvedEndpoint resolve_endpoint(const AwsService& service, std::string_view region,
                                  const std::optional<std::string>& explicit_url, const Environment& environment);

// The parts of an endpoint URL the HTTP layer and the signer need.
struct EndpointUrl {
  std::string scheme;             // "https" or "http", lower case
  std::string host;               // lower case; an IPv6 literal keeps its brackets
  std::optional<uint16_t> port;   // when written in the URL
  std::string path;               // "/" when the URL has none

  // Host header value: the host, plus ":port" unless it is the scheme's default (as HTTP clients send it).
  std::string host_header() const;
};

// nullopt unless `url` is http:// or https:// followed by a host, optional port and path (no query, no user info).
std::optional<EndpointUrl> parse_endpoint_url(std::string_view url);

}  // namespace kinesyslog::aws
