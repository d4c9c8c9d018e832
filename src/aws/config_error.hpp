#pragma once
// A problem in the user's AWS settings (files, environment, options), worded for the person who
// has to fix it: which file/variable/profile, and what is wrong. Maps to exit code 78 (EX_CONFIG).
#include <stdexcept>

namespace kinesyslog::aws {

class AwsConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kinesyslog::aws
