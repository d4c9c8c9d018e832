// docs/behaviour.md §1.3 configuration errors: each exits 78 and names the option at fault.
#include "cli/validate.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"

namespace kinesyslog::cli {

// Failure output shows the message rather than the bytes of the struct.
void PrintTo(const ConfigError& error, std::ostream* out) { *out << error.message; }

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A configuration that passes: a stream and one UDP port.
ListenOptions valid_options() {
  ListenOptions options;
  options.streams = {"logs"};
  options.udp_ports = {5514};
  return options;
}

ListenOptions with_certificate(ListenOptions options) {
  options.cert = "/etc/ssl/relay.pem";
  options.key = "/etc/ssl/relay.key";
  return options;
}

// The option validate() blames, checking that its message names it too.
std::string validate_blamed_option(const ListenOptions& options) {
  std::optional<ConfigError> error = validate(options);
  if (!error) return "(no error)";
  EXPECT_THAT(error->message, HasSubstr(error->option));
  return error->option;
}

TEST(Validate, AcceptsAStreamAndOneUdpPort) { EXPECT_EQ(validate(valid_options()), std::nullopt); }

TEST(Validate, PortAbove65535IsRejected) {
  ListenOptions options = valid_options();
  options.udp_ports = {65536};
  EXPECT_EQ(validate_blamed_option(options), "--udp-port");
}

TEST(Validate, NegativePortIsRejected) {
  ListenOptions options = valid_options();
  options.tcp_ports = {-1};
  EXPECT_EQ(validate_blamed_option(options), "--tcp-port");
}

TEST(Validate, Port65535IsAccepted) {
  ListenOptions options = valid_options();
  options.udp_ports = {65535};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, DuplicatePortWithinOneProtocolIsRejected) {
  ListenOptions options = valid_options();
  options.udp_ports = {514, 515, 514};
  EXPECT_EQ(validate_blamed_option(options), "--udp-port");
  options = valid_options();
  options.tcp_ports = {601, 601};
  EXPECT_EQ(validate_blamed_option(options), "--tcp-port");
}

TEST(Validate, SamePortForUdpAndTcpIsAllowed) {
  ListenOptions options = valid_options();
  options.udp_ports = {514};
  options.tcp_ports = {514};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, TcpAndTlsListenersCannotShareAPort) {
  ListenOptions options = with_certificate(valid_options());
  options.tcp_ports = {6514};
  EXPECT_EQ(validate_blamed_option(options), "--tls-port");
}

TEST(Validate, PrometheusCannotShareATcpPort) {
  ListenOptions options = valid_options();
  options.tcp_ports = {9100};
  options.prometheus_ports = {9100};
  EXPECT_EQ(validate_blamed_option(options), "--prometheus-port");
}

TEST(Validate, AddressMustBeAnIpLiteral) {
  ListenOptions options = valid_options();
  options.address = "localhost";
  EXPECT_EQ(validate_blamed_option(options), "--address");
}

TEST(Validate, Ipv6AddressIsAccepted) {
  ListenOptions options = valid_options();
  options.address = "::";
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, StreamIsRequiredWithoutOutputDir) {
  ListenOptions options = valid_options();
  options.streams.clear();
  EXPECT_EQ(validate_blamed_option(options), "--stream");
}

TEST(Validate, EachStreamIsGivenOnce) {
  ListenOptions options = valid_options();
  options.streams = {"logs-a", "logs-b", "logs-a"};
  const std::optional<ConfigError> error = validate(options);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->option, "--stream");
  EXPECT_NE(error->message.find("logs-a is given twice"), std::string::npos) << error->message;
  options.streams = {"logs-a", "logs-b"};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, DuplicateStreamExitsAsAConfigurationError) {
  const ListenOptions options = testing::parse_listen({"--stream", "x", "--stream", "x", "--udp-port", "514"});
  const auto refusal = check_listen_options(options);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->exit_code, kExitConfig);
}

TEST(Validate, OutputDirStandsInForTheStream) {
  ListenOptions options = valid_options();
  options.streams.clear();
  options.output_dir = "/srv/records";
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, KinesisStreamsStandInForTheFirehoseStream) {
  ListenOptions options = valid_options();
  options.streams.clear();
  options.kinesis_streams = {"logs-a", "logs.b_2"};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, KinesisStreamsExcludeFirehoseAndTheOutputDirectory) {
  ListenOptions options = valid_options();
  options.kinesis_streams = {"logs"};
  EXPECT_EQ(validate_blamed_option(options), "--kinesis-stream");
  EXPECT_THAT(validate(options)->message, HasSubstr("--stream"));
  options.streams.clear();
  options.output_dir = "/srv/records";
  EXPECT_EQ(validate_blamed_option(options), "--kinesis-stream");
  EXPECT_THAT(validate(options)->message, HasSubstr("--output-dir"));
}

TEST(Validate, KinesisStreamNamesFollowTheApiModelAndAreGivenOnce) {
  ListenOptions options = valid_options();
  options.streams.clear();
  for (const std::string& bad : {std::string(), std::string("a b"), std::string(129, 'a'), std::string("q\"")}) {
    options.kinesis_streams = {bad};
    EXPECT_EQ(validate_blamed_option(options), "--kinesis-stream") << bad;
  }
  options.kinesis_streams = {std::string(128, 'a')};
  EXPECT_EQ(validate(options), std::nullopt);
  options.kinesis_streams = {"logs", "other", "logs"};
  EXPECT_EQ(validate_blamed_option(options), "--kinesis-stream");
}

TEST(Validate, FirehoseStreamNamesFollowTheApiModel) {
  ListenOptions options = valid_options();
  for (const std::string& bad : {std::string(), std::string("a b"), std::string(65, 'a'), std::string("logs/x")}) {
    options.streams = {"logs", bad};
    EXPECT_EQ(validate_blamed_option(options), "--stream") << bad;
  }
  options.streams = {std::string(64, 'a'), "logs.b_2-c"};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, FlushAgeMustBeAboveZero) {
  for (double seconds : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    ListenOptions options = valid_options();
    options.flush_age = std::chrono::duration<double>(seconds);
    EXPECT_EQ(validate_blamed_option(options), "--flush-age") << seconds;
  }
}

TEST(Validate, FractionalFlushAgeIsAccepted) {
  ListenOptions options = valid_options();
  options.flush_age = std::chrono::duration<double>(0.25);
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, FlushSizeMustBeFrom1ByteTo64MiB) {
  ListenOptions options = valid_options();
  options.flush_size = 0;
  EXPECT_EQ(validate_blamed_option(options), "--flush-size");
  options.flush_size = 64 * 1024 * 1024 + 1;
  EXPECT_EQ(validate_blamed_option(options), "--flush-size");
  options.flush_size = 64 * 1024 * 1024;
  EXPECT_EQ(validate(options), std::nullopt);
  options.flush_size = 1;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, DeliveryIntervalMustBeAboveZero) {
  ListenOptions options = valid_options();
  options.delivery_interval = std::chrono::duration<double>(0);
  EXPECT_EQ(validate_blamed_option(options), "--delivery-interval");
}

TEST(Validate, MaxMessageSizeMustBeFrom1KiBTo256KiB) {
  ListenOptions options = valid_options();
  options.max_message_size = 1023;
  EXPECT_EQ(validate_blamed_option(options), "--max-message-size");
  options.max_message_size = 256 * 1024 + 1;
  EXPECT_EQ(validate_blamed_option(options), "--max-message-size");
  options.max_message_size = 1024;
  EXPECT_EQ(validate(options), std::nullopt);
  options.max_message_size = 256 * 1024;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, PartialBudgetHoldsAtLeastOneWholeMessage) {
  ListenOptions options = valid_options();
  options.max_partial_bytes = options.max_message_size - 1;
  EXPECT_EQ(validate_blamed_option(options), "--max-partial-bytes");
  options.max_partial_bytes = options.max_message_size;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, ConnectionsPerSourceAreAtLeastOne) {
  ListenOptions options = valid_options();
  options.max_connections_per_source = 0;
  EXPECT_EQ(validate_blamed_option(options), "--max-connections-per-source");
  options.max_connections_per_source = 1;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, SpoolCapIsNoneOrAtLeastOneLargestRecord) {
  ListenOptions options = valid_options();
  EXPECT_EQ(validate(options), std::nullopt);  // 0: no cap
  options.spool_max_bytes = 1023999;
  EXPECT_EQ(validate_blamed_option(options), "--spool-max-bytes");
  options.spool_max_bytes = 1024000;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, JournalSyncIsOffOrUpToAMinute) {
  ListenOptions options = valid_options();
  EXPECT_EQ(options.journal_sync_ms, 50u);
  EXPECT_EQ(validate(options), std::nullopt);
  options.journal_sync_ms = 0;  // no journal
  EXPECT_EQ(validate(options), std::nullopt);
  options.journal_sync_ms = 60'000;
  EXPECT_EQ(validate(options), std::nullopt);
  options.journal_sync_ms = 60'001;
  EXPECT_EQ(validate_blamed_option(options), "--journal-sync-ms");
}

TEST(Validate, CompressionLevelMustBeFrom1To12) {
  ListenOptions options = valid_options();
  options.compression_level = 0;
  EXPECT_EQ(validate_blamed_option(options), "--compression-level");
  options.compression_level = 13;
  EXPECT_EQ(validate_blamed_option(options), "--compression-level");
  options.compression_level = 12;
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, CertWithoutKeyIsRejected) {
  ListenOptions options = valid_options();
  options.cert = "/etc/ssl/relay.pem";
  EXPECT_EQ(validate_blamed_option(options), "--key");
}

TEST(Validate, KeyWithoutCertIsRejected) {
  ListenOptions options = valid_options();
  options.key = "/etc/ssl/relay.key";
  EXPECT_EQ(validate_blamed_option(options), "--cert");
}

TEST(Validate, ProxyProtocolPortMustBeATcpTlsOrPrometheusPort) {
  ListenOptions options = valid_options();
  options.proxy_protocol_ports = {5514};  // only a UDP port
  EXPECT_EQ(validate_blamed_option(options), "--proxy-protocol");
  options.tcp_ports = {5514};
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, ProxyProtocolOnTheDefaultTlsPortNeedsTlsConfigured) {
  ListenOptions options = valid_options();
  options.proxy_protocol_ports = {6514};
  EXPECT_EQ(validate_blamed_option(options), "--proxy-protocol");
  EXPECT_EQ(validate(with_certificate(options)), std::nullopt);
}

TEST(Validate, NoListenerNamesEveryListenerOption) {
  ListenOptions options = valid_options();
  options.udp_ports.clear();
  std::optional<ConfigError> error = validate(options);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("--udp-port"));
  EXPECT_THAT(error->message, HasSubstr("--tcp-port"));
  EXPECT_THAT(error->message, HasSubstr("--tls-port"));
}

TEST(Validate, MetricsPortAloneIsNoListener) {
  ListenOptions options = valid_options();
  options.udp_ports.clear();
  options.prometheus_ports = {9100};
  EXPECT_EQ(validate_blamed_option(options), "--udp-port");
}

TEST(Validate, ClientCaNeedsTlsConfigured) {
  ListenOptions options = valid_options();
  options.client_ca = "/etc/ssl/clients.pem";
  EXPECT_EQ(validate_blamed_option(options), "--client-ca");
  EXPECT_EQ(validate(with_certificate(options)), std::nullopt);
}

TEST(Validate, ClientNameNeedsClientCa) {
  ListenOptions options = with_certificate(valid_options());
  options.client_names = {"collector-1"};
  EXPECT_EQ(validate_blamed_option(options), "--client-name");
  options.client_ca = "/etc/ssl/clients.pem";
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(Validate, ProxyFromTakesAddressRangesForAProxyProtocolPort) {
  ListenOptions options = valid_options();
  options.tcp_ports = {601};
  options.proxy_protocol_ports = {601};
  options.proxy_from = {"10.0.0.0/8", "fd00::/8", "192.0.2.7"};
  EXPECT_EQ(validate(options), std::nullopt);
  options.proxy_from = {"10.0.0.0/8", "10.0.0.0/40"};
  EXPECT_EQ(validate_blamed_option(options), "--proxy-from");
  EXPECT_THAT(validate(options)->message, HasSubstr("10.0.0.0/40"));
}

TEST(Validate, ProxyFromWithoutAProxyProtocolPortIsAMistake) {
  ListenOptions options = valid_options();
  options.proxy_from = {"10.0.0.0/8"};
  EXPECT_EQ(validate_blamed_option(options), "--proxy-from");
}

TEST(TlsDefaultPort, IsNotListenedOnWithoutCertAndKey) {
  EXPECT_TRUE(effective_tls_ports(valid_options()).empty());
  EXPECT_EQ(validate(valid_options()), std::nullopt);
}

TEST(TlsDefaultPort, IsListenedOnWithCertAndKey) {
  EXPECT_THAT(effective_tls_ports(with_certificate(valid_options())), ElementsAre(6514));
}

TEST(TlsDefaultPort, WithCertAndKeyIsAListenerOnItsOwn) {
  ListenOptions options = with_certificate(valid_options());
  options.udp_ports.clear();
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(TlsDefaultPort, AloneWithoutCertMeansNoListener) {
  ListenOptions options = valid_options();
  options.udp_ports.clear();
  EXPECT_EQ(validate_blamed_option(options), "--udp-port");
}

TEST(TlsDefaultPort, ExplicitTlsPortWithoutCertIsAConfigurationError) {
  ListenOptions options = testing::parse_listen({"--stream", "logs", "--udp-port", "514", "--tls-port", "6514"});
  EXPECT_EQ(validate_blamed_option(options), "--tls-port");
}

TEST(TlsDefaultPort, ExplicitTlsPortZeroWithoutCertIsFine) {
  ListenOptions options = testing::parse_listen({"--stream", "logs", "--udp-port", "514", "--tls-port", "0"});
  EXPECT_EQ(validate(options), std::nullopt);
}

TEST(TlsDefaultPort, ExplicitTlsPortFromTheEnvironmentWithoutCertIsAConfigurationError) {
  ListenOptions options =
      testing::parse_listen({"--stream", "logs", "--udp-port", "514"}, {{"KINESYSLOG_TLS_PORT", "10514"}});
  EXPECT_EQ(validate_blamed_option(options), "--tls-port");
}

TEST(EnabledPorts, DropsZeroAndNarrowsToPortNumbers) {
  EXPECT_THAT(enabled_ports({0, 514, 65535}), ElementsAre(514, 65535));
}

// Filesystem checks run against a directory of the test's own.
class ValidatePaths : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("kinesyslog-cli-test-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "spool");
    options_ = valid_options();
    options_.spool_dir = (root_ / "spool").string();
    options_.given.insert("spool-dir");  // as --spool-dir: never created
  }
  void TearDown() override {
    std::filesystem::permissions(root_ / "spool", std::filesystem::perms::owner_all);
    std::filesystem::remove_all(root_);
  }

  std::filesystem::path root_;
  ListenOptions options_;
};

TEST_F(ValidatePaths, AcceptsAWritableSpoolDir) { EXPECT_EQ(validate_paths(options_), std::nullopt); }

TEST_F(ValidatePaths, MissingSpoolDirIsRejected) {
  options_.spool_dir = (root_ / "absent").string();
  std::optional<ConfigError> error = validate_paths(options_);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->option, "--spool-dir");
  EXPECT_THAT(error->message, HasSubstr(options_.spool_dir));
}

TEST_F(ValidatePaths, SpoolDirThatIsAFileIsRejected) {
  std::ofstream(root_ / "file") << "x";
  options_.spool_dir = (root_ / "file").string();
  ASSERT_TRUE(validate_paths(options_));
  EXPECT_EQ(validate_paths(options_)->option, "--spool-dir");
}

TEST_F(ValidatePaths, ReadOnlySpoolDirIsRejected) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  std::filesystem::permissions(root_ / "spool",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  ASSERT_TRUE(validate_paths(options_));
  EXPECT_EQ(validate_paths(options_)->option, "--spool-dir");
}

TEST_F(ValidatePaths, MissingOutputDirIsCreated) {
  options_.output_dir = (root_ / "out" / "nested").string();
  EXPECT_EQ(validate_paths(options_), std::nullopt);
  EXPECT_TRUE(std::filesystem::is_directory(options_.output_dir));
}

TEST_F(ValidatePaths, OutputDirThatCannotBeCreatedIsRejected) {
  std::ofstream(root_ / "file") << "x";
  options_.output_dir = (root_ / "file" / "out").string();
  ASSERT_TRUE(validate_paths(options_));
  EXPECT_EQ(validate_paths(options_)->option, "--output-dir");
}

TEST_F(ValidatePaths, UnreadableCertIsRejected) {
  options_.cert = (root_ / "missing.pem").string();
  options_.key = options_.cert;
  ASSERT_TRUE(validate_paths(options_));
  EXPECT_EQ(validate_paths(options_)->option, "--cert");
}

TEST_F(ValidatePaths, CheckListenOptionsExits78NamingTheOption) {
  options_.udp_ports = {70000};
  std::optional<PrintAndExit> failure = check_listen_options(options_);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->exit_code, kExitConfig);
  EXPECT_THAT(failure->text, HasSubstr("--udp-port"));
  EXPECT_THAT(failure->text, HasSubstr("70000"));
}

TEST_F(ValidatePaths, CheckListenOptionsRunsTheFilesystemChecksToo) {
  options_.spool_dir = (root_ / "absent").string();
  std::optional<PrintAndExit> failure = check_listen_options(options_);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->exit_code, kExitConfig);
  EXPECT_THAT(failure->text, HasSubstr("--spool-dir"));
}

TEST_F(ValidatePaths, CheckListenOptionsPassesAGoodConfiguration) {
  EXPECT_EQ(check_listen_options(options_), std::nullopt);
}

}  // namespace
}  // namespace kinesyslog::cli
