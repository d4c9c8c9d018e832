#pragma once
// What AWS clients (Firehose, STS) ask for the credentials to sign each request with; the
// production source is a CachingCredentials over the resolved chain, tests pass fixed keys.
#include "aws/credentials.hpp"

namespace kinesyslog::aws {

class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // Credentials valid now (refreshed first when they are about to expire); throws when none can be had.
  virtual Credentials current() = 0;
};

}  // namespace kinesyslog::aws
