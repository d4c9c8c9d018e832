#pragma once
// Where AWS clients get the keys to sign with. The credential chain (environment, shared files,
// credential_process, web identity, ECS, IMDS) implements this; clients only ask for `current()`.
#include "aws/credentials.hpp"

namespace kinesyslog::aws {

// Implementations must be safe to call from several threads (delivery and start-up checks).
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // Credentials to sign a request with now (refreshed ahead of expiry by sources that can).
  // Throws when none can be had; the message names what was tried.
  virtual Credentials current() = 0;
  // A service answered ExpiredToken: the next current() must not return the same credentials.
  // Long-term keys cannot be refreshed, so the default does nothing.
  virtual void invalidate() {}
};

}  // namespace kinesyslog::aws
