#pragma once
// What every link of the credential chain may need: settings, the network and the time.
#include <string>

#include "aws/http_transport.hpp"
#include "aws/shared_config.hpp"
#include "core/clock.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

struct CredentialChainContext {
  Environment environment;
  const SharedConfig& shared_config;
  std::string region;  // where STS is called; resolved before the credentials
  HttpTransport& transport;
  const Clock& clock;
};

}  // namespace kinesyslog::aws
