// docs/behaviour.md §1.2 `listen`: every option's default, and every option from the command line and
// from its KINESYSLOG_* variable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "aws/endpoints.hpp"
#include "cli/environment.hpp"
#include "cli_test_support.hpp"

namespace kinesyslog::cli {
namespace {

using testing::parse_listen;
using testing::Variables;
using ::testing::ElementsAre;

TEST(ListenDefaults, EveryOptionHasItsSpecDefault) {
  ListenOptions options = parse_listen({});
  EXPECT_TRUE(options.streams.empty());
  EXPECT_EQ(options.address, "0.0.0.0");
  EXPECT_TRUE(options.udp_ports.empty());
  EXPECT_TRUE(options.tcp_ports.empty());
  EXPECT_THAT(options.tls_ports, ElementsAre(6514));
  EXPECT_EQ(options.cert, "");
  EXPECT_EQ(options.key, "");
  EXPECT_TRUE(options.proxy_protocol_ports.empty());
  EXPECT_TRUE(options.prometheus_ports.empty());
  EXPECT_EQ(options.spool_dir, "/var/lib/kinesyslog");  // neither STATE_DIRECTORY nor HOME is set here
  EXPECT_EQ(options.region, "");
  EXPECT_EQ(options.profile, "");
  EXPECT_FALSE(options.gelf);
  EXPECT_EQ(options.group_prefix, "/kinesyslog");
  EXPECT_FALSE(options.debug);
  EXPECT_FALSE(options.debug_asyncio);
  EXPECT_EQ(options.output_dir, "");
  EXPECT_EQ(options.endpoint_url, "");
  EXPECT_EQ(options.flush_age.count(), 60.0);
  EXPECT_EQ(options.flush_size, 4194304u);
  EXPECT_EQ(options.delivery_interval.count(), 60.0);
  EXPECT_EQ(options.max_message_size, 65536u);
  EXPECT_EQ(options.client_ca, "");
  EXPECT_EQ(options.compression_level, 6);
  EXPECT_FALSE(options.random_ids);
  EXPECT_FALSE(options.pack_records);
}

TEST(ListenRepeatableWords, ProxyFromAndClientNameRepeatOnTheCommandLineAndSplitInTheEnvironment) {
  ListenOptions given = parse_listen({"--proxy-from", "10.0.0.0/8", "--proxy-from", "fd00::/8", "--client-name", "a"});
  EXPECT_THAT(given.proxy_from, ElementsAre("10.0.0.0/8", "fd00::/8"));
  EXPECT_THAT(given.client_names, ElementsAre("a"));
  ListenOptions from_env = parse_listen({}, {{"KINESYSLOG_PROXY_FROM", " 10.0.0.0/8  192.0.2.1 "},
                                             {"KINESYSLOG_CLIENT_NAME", "a b"}});
  EXPECT_THAT(from_env.proxy_from, ElementsAre("10.0.0.0/8", "192.0.2.1"));
  EXPECT_THAT(from_env.client_names, ElementsAre("a", "b"));
  EXPECT_THAT(parse_listen({"--proxy-from", "127.0.0.1"}, {{"KINESYSLOG_PROXY_FROM", "10.0.0.0/8"}}).proxy_from,
              ElementsAre("127.0.0.1"));  // the command line wins
}

TEST(ListenDefaults, NoOptionCountsAsGiven) { EXPECT_TRUE(parse_listen({}).given.empty()); }

TEST(ListenDefaults, SpoolDirIsTheStateDirectoryNeverTmpdir) {
  EXPECT_EQ(parse_listen({}, {{"TMPDIR", "/var/tmp/x"}, {"STATE_DIRECTORY", "/var/lib/k"}}).spool_dir, "/var/lib/k");
  EXPECT_FALSE(parse_listen({}, {{"STATE_DIRECTORY", "/var/lib/k"}}).was_given("spool-dir"));
}

TEST(ListenDefaults, EndpointUrlIsOnlyTheOptionOrItsOwnVariable) {
  // AWS_ENDPOINT_URL* belong to aws::resolve_endpoint, which also honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
  EXPECT_EQ(parse_listen({}, {{"AWS_ENDPOINT_URL", "http://general"}}).endpoint_url, "");
  EXPECT_EQ(parse_listen({}, {{"AWS_ENDPOINT_URL", "http://general"}, {"AWS_ENDPOINT_URL_FIREHOSE", "http://fh"}})
                .endpoint_url,
            "");
  EXPECT_EQ(parse_listen({}, {{"AWS_ENDPOINT_URL_FIREHOSE", "http://fh"}, {"KINESYSLOG_ENDPOINT_URL", "http://ks"}})
                .endpoint_url,
            "http://ks");
  EXPECT_EQ(parse_listen({"--endpoint-url", "http://cli"}, {{"KINESYSLOG_ENDPOINT_URL", "http://ks"}}).endpoint_url,
            "http://cli");
  EXPECT_FALSE(parse_listen({}, {{"AWS_ENDPOINT_URL", "http://general"}}).was_given("endpoint-url"));
}

// The Firehose endpoint as the relay resolves it: the option (if any) as the explicit URL, then the environment.
aws::ResolvedEndpoint firehose_endpoint(std::vector<std::string> words, const Variables& variables) {
  const ListenOptions options = parse_listen(std::move(words), variables);
  const std::optional<std::string> explicit_url =
      options.endpoint_url.empty() ? std::nullopt : std::optional<std::string>(options.endpoint_url);
  return aws::resolve_endpoint(aws::kFirehose, "us-east-1", explicit_url, testing::fake_environment(variables));
}

TEST(FirehoseEndpoint, TheFirehoseVariableIsNamedAsTheSource) {
  const auto endpoint = firehose_endpoint({}, {{"AWS_ENDPOINT_URL_FIREHOSE", "http://fh"}});
  EXPECT_EQ(endpoint.url, "http://fh");
  EXPECT_EQ(endpoint.source, "AWS_ENDPOINT_URL_FIREHOSE");
  EXPECT_EQ(firehose_endpoint({}, {{"AWS_ENDPOINT_URL", "http://general"}}).source, "AWS_ENDPOINT_URL");
}

TEST(FirehoseEndpoint, IgnoreConfiguredEndpointUrlsSkipsTheFirehoseVariables) {
  const auto endpoint = firehose_endpoint({}, {{"AWS_ENDPOINT_URL_FIREHOSE", "http://fh"},
                                               {"AWS_ENDPOINT_URL", "http://general"},
                                               {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
  EXPECT_EQ(endpoint.url, "https://firehose.us-east-1.amazonaws.com");
  EXPECT_EQ(endpoint.source, "default for us-east-1");
}

TEST(FirehoseEndpoint, TheOptionAndItsVariableStayExplicit) {
  const Variables ignoring{{"AWS_ENDPOINT_URL_FIREHOSE", "http://fh"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}};
  EXPECT_EQ(firehose_endpoint({"--endpoint-url", "http://cli"}, ignoring).url, "http://cli");
  Variables with_own = ignoring;
  with_own["KINESYSLOG_ENDPOINT_URL"] = "http://ks";
  EXPECT_EQ(firehose_endpoint({}, with_own).url, "http://ks");
  EXPECT_EQ(firehose_endpoint({}, with_own).source, "--endpoint-url");
}

// One valued option: the text to give it and what it must become.
struct ValuedOptionCase {
  std::string long_name;
  std::string value;
  std::function<void(const ListenOptions&)> expect_applied;
};

void PrintTo(const ValuedOptionCase& option, std::ostream* out) { *out << "--" << option.long_name; }

class ValuedOption : public ::testing::TestWithParam<ValuedOptionCase> {};

TEST_P(ValuedOption, IsReadFromTheCommandLine) {
  ListenOptions options = parse_listen({"--" + GetParam().long_name, GetParam().value});
  GetParam().expect_applied(options);
  EXPECT_TRUE(options.was_given(GetParam().long_name));
}

TEST_P(ValuedOption, IsReadFromItsEnvironmentVariable) {
  ListenOptions options =
      parse_listen({}, {{environment_variable_for(GetParam().long_name), GetParam().value}});
  GetParam().expect_applied(options);
  EXPECT_TRUE(options.was_given(GetParam().long_name));
}

INSTANTIATE_TEST_SUITE_P(
    EveryValuedListenOption, ValuedOption,
    ::testing::Values(
        ValuedOptionCase{"stream", "logs", [](const ListenOptions& o) { EXPECT_THAT(o.streams, ElementsAre("logs")); }},
        ValuedOptionCase{"address", "::", [](const ListenOptions& o) { EXPECT_EQ(o.address, "::"); }},
        ValuedOptionCase{"udp-port", "514", [](const ListenOptions& o) { EXPECT_THAT(o.udp_ports, ElementsAre(514)); }},
        ValuedOptionCase{"tcp-port", "601", [](const ListenOptions& o) { EXPECT_THAT(o.tcp_ports, ElementsAre(601)); }},
        ValuedOptionCase{"tls-port", "7514",
                         [](const ListenOptions& o) { EXPECT_THAT(o.tls_ports, ElementsAre(7514)); }},
        ValuedOptionCase{"cert", "/c.pem", [](const ListenOptions& o) { EXPECT_EQ(o.cert, "/c.pem"); }},
        ValuedOptionCase{"key", "/k.pem", [](const ListenOptions& o) { EXPECT_EQ(o.key, "/k.pem"); }},
        ValuedOptionCase{"proxy-protocol", "601",
                         [](const ListenOptions& o) { EXPECT_THAT(o.proxy_protocol_ports, ElementsAre(601)); }},
        ValuedOptionCase{"prometheus-port", "9100",
                         [](const ListenOptions& o) { EXPECT_THAT(o.prometheus_ports, ElementsAre(9100)); }},
        ValuedOptionCase{"spool-dir", "/spool", [](const ListenOptions& o) { EXPECT_EQ(o.spool_dir, "/spool"); }},
        ValuedOptionCase{"spool-max-bytes", "1073741824",
                         [](const ListenOptions& o) { EXPECT_EQ(o.spool_max_bytes, 1073741824u); }},
        ValuedOptionCase{"region", "eu-west-1", [](const ListenOptions& o) { EXPECT_EQ(o.region, "eu-west-1"); }},
        ValuedOptionCase{"profile", "prod", [](const ListenOptions& o) { EXPECT_EQ(o.profile, "prod"); }},
        ValuedOptionCase{"group-prefix", "/x", [](const ListenOptions& o) { EXPECT_EQ(o.group_prefix, "/x"); }},
        ValuedOptionCase{"output-dir", "/out", [](const ListenOptions& o) { EXPECT_EQ(o.output_dir, "/out"); }},
        ValuedOptionCase{"endpoint-url", "http://127.0.0.1:1",
                         [](const ListenOptions& o) { EXPECT_EQ(o.endpoint_url, "http://127.0.0.1:1"); }},
        ValuedOptionCase{"flush-age", "2.5", [](const ListenOptions& o) { EXPECT_EQ(o.flush_age.count(), 2.5); }},
        ValuedOptionCase{"flush-size", "1000", [](const ListenOptions& o) { EXPECT_EQ(o.flush_size, 1000u); }},
        ValuedOptionCase{"delivery-interval", "0.5",
                         [](const ListenOptions& o) { EXPECT_EQ(o.delivery_interval.count(), 0.5); }},
        ValuedOptionCase{"max-message-size", "6144",
                         [](const ListenOptions& o) { EXPECT_EQ(o.max_message_size, 6144u); }},
        ValuedOptionCase{"max-partial-bytes", "1048576",
                         [](const ListenOptions& o) { EXPECT_EQ(o.max_partial_bytes, 1048576u); }},
        ValuedOptionCase{"max-connections-per-source", "50",
                         [](const ListenOptions& o) { EXPECT_EQ(o.max_connections_per_source, 50u); }},
        ValuedOptionCase{"client-ca", "/ca.pem", [](const ListenOptions& o) { EXPECT_EQ(o.client_ca, "/ca.pem"); }},
        ValuedOptionCase{"journal-sync-ms", "0", [](const ListenOptions& o) { EXPECT_EQ(o.journal_sync_ms, 0u); }},
        ValuedOptionCase{"compression-level", "9", [](const ListenOptions& o) { EXPECT_EQ(o.compression_level, 9); }}),
    [](const ::testing::TestParamInfo<ValuedOptionCase>& param_info) {
      std::string name = param_info.param.long_name;
      std::erase(name, '-');
      return name;
    });

struct FlagCase {
  std::string long_name;
  bool ListenOptions::*field;
};

void PrintTo(const FlagCase& flag, std::ostream* out) { *out << "--" << flag.long_name; }

class FlagOption : public ::testing::TestWithParam<FlagCase> {};

TEST_P(FlagOption, IsSetOnTheCommandLine) {
  ListenOptions options = parse_listen({"--" + GetParam().long_name});
  EXPECT_TRUE(options.*GetParam().field);
  EXPECT_TRUE(options.was_given(GetParam().long_name));
}

TEST_P(FlagOption, IsSetByItsEnvironmentVariable) {
  ListenOptions options = parse_listen({}, {{environment_variable_for(GetParam().long_name), "1"}});
  EXPECT_TRUE(options.*GetParam().field);
  EXPECT_TRUE(options.was_given(GetParam().long_name));
}

INSTANTIATE_TEST_SUITE_P(EveryListenFlag, FlagOption,
                         ::testing::Values(FlagCase{"gelf", &ListenOptions::gelf},
                                           FlagCase{"debug", &ListenOptions::debug},
                                           FlagCase{"debug-asyncio", &ListenOptions::debug_asyncio},
                                           FlagCase{"random-ids", &ListenOptions::random_ids},
                                           FlagCase{"pack-records", &ListenOptions::pack_records}),
                         [](const ::testing::TestParamInfo<FlagCase>& param_info) {
                           std::string name = param_info.param.long_name;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace kinesyslog::cli
