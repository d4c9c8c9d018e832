#pragma once
// Fixed keys for tests of AWS clients (the relay itself always goes through the credential chain).
#include <utility>

#include "aws/credentials_source.hpp"

namespace kinesyslog::aws {

class StaticCredentialsSource final : public CredentialsSource {
 public:
  explicit StaticCredentialsSource(Credentials credentials) : credentials_(std::move(credentials)) {}
  Credentials current() override { return credentials_; }

 private:
  const Credentials credentials_;
};

}  // namespace kinesyslog::aws
