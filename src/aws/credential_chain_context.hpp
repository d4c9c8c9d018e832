#pragma once
// What every link of the credential chain may need: settings, the network and the time.
#include <string>

#include "aws/environment.hpp"
#include "aws/http_transport.hpp"
#include "aws/shared_config.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

struct CredentialChainContext {
  EnvironmentLookup environment;
  const SharedConfig& shared_config;
  std::string region;  // where STS is called; resolved before the credentials
  HttpTransport& transport;
  const Clock& clock;
};

}  // namespace kinesyslog::aws
