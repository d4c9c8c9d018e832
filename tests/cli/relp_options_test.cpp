// --relp-port and --relp-tls-port: repeatable, also from the environment, a listener of their
// own; RELP over TLS needs the certificate the TLS ports use; each port serves one listener.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/listen_config.hpp"
#include "cli/validate.hpp"
#include "cli_test_support.hpp"

namespace kinesyslog::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string blamed_option(const ListenOptions& options) {
  std::optional<ConfigError> error = validate(options);
  if (!error) return "(no error)";
  EXPECT_THAT(error->message, HasSubstr(error->option));
  return error->option;
}

TEST(RelpOptions, RepeatablePortsAreTheOnlyListenerNeeded) {
  const ListenOptions options =
      testing::parse_listen({"--stream", "logs", "--relp-port", "2514", "--relp-port", "2515", "--tls-port", "0"});
  EXPECT_THAT(options.relp_ports, ElementsAre(2514, 2515));
  EXPECT_EQ(validate(options), std::nullopt);
  EXPECT_THAT(listen_ports(options).relp, ElementsAre(2514, 2515));
}

TEST(RelpOptions, PortsComeFromTheEnvironmentToo) {
  const ListenOptions options = testing::parse_listen(
      {"--stream", "logs"}, {{"KINESYSLOG_RELP_PORT", "2514 2515"}, {"KINESYSLOG_RELP_TLS_PORT", "3514"}});
  EXPECT_THAT(options.relp_ports, ElementsAre(2514, 2515));
  EXPECT_THAT(options.relp_tls_ports, ElementsAre(3514));
}

TEST(RelpOptions, ZeroDisables) {
  const ListenOptions options = testing::parse_listen({"--stream", "logs", "--udp-port", "514", "--relp-port", "0"});
  EXPECT_TRUE(options.relp_ports.empty());
}

TEST(RelpOptions, RelpOverTlsWithoutACertificateIsAConfigurationError) {
  const ListenOptions options = testing::parse_listen({"--stream", "logs", "--relp-tls-port", "3514"});
  EXPECT_EQ(blamed_option(options), "--relp-tls-port");
}

TEST(RelpOptions, RelpOverTlsWithACertificateTakesTheClientCa) {
  const ListenOptions options = testing::parse_listen({"--stream", "logs", "--relp-tls-port", "3514", "--tls-port", "0",
                                                       "--cert", "c.pem", "--key", "k.pem", "--client-ca", "ca.pem"});
  EXPECT_EQ(validate(options), std::nullopt);
  EXPECT_THAT(listen_ports(options).relp_tls, ElementsAre(3514));
}

TEST(RelpOptions, APortServesOneListener) {
  EXPECT_EQ(blamed_option(testing::parse_listen({"--stream", "logs", "--relp-port", "2514", "--tcp-port", "2514"})),
            "--relp-port");
  EXPECT_EQ(blamed_option(testing::parse_listen(
                {"--stream", "logs", "--relp-port", "2514", "--relp-tls-port", "2514", "--cert", "c", "--key", "k"})),
            "--relp-port");
  EXPECT_EQ(blamed_option(testing::parse_listen({"--stream", "logs", "--relp-tls-port", "2514", "--prometheus-port",
                                                 "2514", "--cert", "c", "--key", "k"})),
            "--relp-tls-port");
  EXPECT_EQ(blamed_option(testing::parse_listen({"--stream", "logs", "--relp-port", "2514", "--relp-port", "2514"})),
            "--relp-port");
}

TEST(RelpOptions, AProxyProtocolPortMayBeARelpPort) {
  const ListenOptions options =
      testing::parse_listen({"--stream", "logs", "--relp-port", "2514", "--proxy-protocol", "2514"});
  EXPECT_EQ(validate(options), std::nullopt);
}

}  // namespace
}  // namespace kinesyslog::cli
