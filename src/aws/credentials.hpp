#pragma once
// The AWS access key pair a request is signed with, as every credential provider yields it.
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace kinesyslog::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;            // empty for long-term keys
  std::optional<WallTime> expiration;   // set for temporary credentials that must be refreshed
};

}  // namespace kinesyslog::aws
