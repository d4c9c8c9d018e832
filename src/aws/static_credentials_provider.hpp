#pragma once
// Long-term keys that never change while the process runs (the environment, a profile's
// aws_access_key_id), as a chain link.
#include <string>
#include <utility>

#include "aws/credentials_provider.hpp"

namespace kinesyslog::aws {

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  StaticCredentialsProvider(Credentials credentials, std::string description)
      : credentials_(std::move(credentials)), description_(std::move(description)) {}
  Credentials fetch() override { return credentials_; }
  std::string describe() const override { return description_; }

 private:
  Credentials credentials_;
  std::string description_;
};

}  // namespace kinesyslog::aws
