#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "aws/config_error.hpp"
#include "aws/endpoints.hpp"
#include "aws/region.hpp"
#include "fake_environment.hpp"

namespace kinesyslog::aws {
namespace {

using testing::fake_environment;

Profile profile_with_region(std::string region) {
  return Profile("default", IniSection{"default", {{"region", std::move(region)}}, {}}, std::nullopt,
                 SharedConfigPaths{"/home/relay/.aws/config", "/home/relay/.aws/credentials"});
}

const Profile kNoProfile("default", std::nullopt, std::nullopt, SharedConfigPaths{});

TEST(Region, OptionBeatsEnvironment) {
  const auto region = resolve_region("eu-west-1", fake_environment({{"AWS_REGION", "us-east-1"}}), kNoProfile);
  EXPECT_EQ(region->name, "eu-west-1");
  EXPECT_EQ(region->source, "--region");
}

TEST(Region, AwsRegionBeatsAwsDefaultRegion) {
  const auto region = resolve_region(
      std::nullopt, fake_environment({{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "us-west-1"}}), kNoProfile);
  EXPECT_EQ(region->name, "us-east-2");
  EXPECT_EQ(region->source, "AWS_REGION");
}

TEST(Region, AwsDefaultRegionBeatsProfile) {
  const auto region = resolve_region(std::nullopt, fake_environment({{"AWS_DEFAULT_REGION", "us-west-1"}}),
                                     profile_with_region("ap-northeast-1"));
  EXPECT_EQ(region->name, "us-west-1");
}

TEST(Region, ProfileRegionComesLastAndNamesItsFile) {
  const auto region = resolve_region(std::nullopt, fake_environment({{"AWS_REGION", ""}}),
                                     profile_with_region("ap-northeast-1"));
  EXPECT_EQ(region->name, "ap-northeast-1");
  EXPECT_EQ(region->source, "profile 'default' in /home/relay/.aws/config");
}

TEST(Region, NoneWhenNothingIsSet) {
  EXPECT_FALSE(resolve_region(std::nullopt, fake_environment({}), kNoProfile).has_value());
}

TEST(Region, NamesAreLettersDigitsAndInnerHyphens) {
  EXPECT_TRUE(is_valid_region_name("us-gov-west-1"));
  EXPECT_FALSE(is_valid_region_name(""));
  EXPECT_FALSE(is_valid_region_name("-us-east-1"));
  EXPECT_FALSE(is_valid_region_name("us-east-1.evil.com/"));
}

TEST(Endpoint, FirehoseDefaultIsRegional) {
  EXPECT_EQ(default_endpoint(kFirehose, "eu-central-1"), "https://firehose.eu-central-1.amazonaws.com");
}

TEST(Endpoint, ChinaRegionsUseTheCnSuffix) {
  EXPECT_EQ(default_endpoint(kFirehose, "cn-north-1"), "https://firehose.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(default_endpoint(kSts, "cn-northwest-1"), "https://sts.cn-northwest-1.amazonaws.com.cn");
}

TEST(Endpoint, StsDefaultIsRegional) {
  EXPECT_EQ(default_endpoint(kSts, "us-east-1"), "https://sts.us-east-1.amazonaws.com");
}

TEST(Endpoint, InvalidRegionIsRefused) {
  EXPECT_THROW(default_endpoint(kFirehose, "us-east-1.attacker.example"), AwsConfigError);
}

TEST(Endpoint, ExplicitUrlBeatsEnvironment) {
  const auto endpoint = resolve_endpoint(kFirehose, "us-east-1", "http://127.0.0.1:4573",
                                         fake_environment({{"AWS_ENDPOINT_URL_FIREHOSE", "http://env:1"}}));
  EXPECT_EQ(endpoint.url, "http://127.0.0.1:4573");
  EXPECT_EQ(endpoint.source, "--endpoint-url");
}

TEST(Endpoint, ServiceVariableBeatsGlobalVariable) {
  const auto endpoint =
      resolve_endpoint(kFirehose, "us-east-1", std::nullopt,
                       fake_environment({{"AWS_ENDPOINT_URL_FIREHOSE", "http://firehose:1"},
                                         {"AWS_ENDPOINT_URL", "http://everything:2"}}));
  EXPECT_EQ(endpoint.url, "http://firehose:1");
  EXPECT_EQ(endpoint.source, "AWS_ENDPOINT_URL_FIREHOSE");
}

TEST(Endpoint, GlobalVariableBeatsDefault) {
  const auto environment = fake_environment(
      {{"AWS_ENDPOINT_URL_FIREHOSE", "http://firehose:1"}, {"AWS_ENDPOINT_URL", "http://everything:2"}});
  EXPECT_EQ(resolve_endpoint(kSts, "us-east-1", std::nullopt, environment).url, "http://everything:2");
}

TEST(Endpoint, DefaultWhenNothingIsConfigured) {
  const auto endpoint = resolve_endpoint(kSts, "eu-west-2", std::nullopt, fake_environment({}));
  EXPECT_EQ(endpoint.url, "https://sts.eu-west-2.amazonaws.com");
  EXPECT_EQ(endpoint.source, "default for eu-west-2");
}

TEST(Endpoint, IgnoreConfiguredEndpointUrlsSkipsTheEnvironment) {
  const auto environment =
      fake_environment({{"AWS_ENDPOINT_URL", "http://everything:2"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "True"}});
  EXPECT_EQ(resolve_endpoint(kFirehose, "us-east-1", std::nullopt, environment).url,
            "https://firehose.us-east-1.amazonaws.com");
}

TEST(Endpoint, MalformedOverrideNamesWhereItCameFrom) {
  try {
    resolve_endpoint(kFirehose, "us-east-1", std::nullopt, fake_environment({{"AWS_ENDPOINT_URL", "localhost:4566"}}));
    FAIL() << "expected AwsConfigError";
  } catch (const AwsConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              "AWS_ENDPOINT_URL is 'localhost:4566', which is not an http:// or https:// URL with a host");
  }
}

TEST(EndpointUrl, HostHeaderOmitsTheDefaultPort) {
  EXPECT_EQ(parse_endpoint_url("https://Firehose.us-east-1.amazonaws.com")->host_header(),
            "firehose.us-east-1.amazonaws.com");
  EXPECT_EQ(parse_endpoint_url("https://firehose.us-east-1.amazonaws.com:443/")->host_header(),
            "firehose.us-east-1.amazonaws.com");
  EXPECT_EQ(parse_endpoint_url("http://127.0.0.1:4573")->host_header(), "127.0.0.1:4573");
}

TEST(EndpointUrl, PartsAreSplit) {
  const auto url = parse_endpoint_url("HTTP://[::1]:8080/prefix/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "[::1]");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/prefix/");
  EXPECT_EQ(parse_endpoint_url("https://h")->path, "/");
}

TEST(EndpointUrl, RejectsWhatIsNotAPlainHttpUrl) {
  EXPECT_FALSE(parse_endpoint_url("ftp://host"));
  EXPECT_FALSE(parse_endpoint_url("https://"));
  EXPECT_FALSE(parse_endpoint_url("https://user@host"));
  EXPECT_FALSE(parse_endpoint_url("https://host:0"));
  EXPECT_FALSE(parse_endpoint_url("https://host:99999"));
  EXPECT_FALSE(parse_endpoint_url("https://host/?query"));
}

}  // namespace
}  // namespace kinesyslog::aws
