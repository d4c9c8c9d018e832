#pragma once
// An environment for tests: a fixed map instead of the process's variables.
#include <map>
#include <optional>
#include <string>

#include "aws/environment.hpp"

namespace kinesyslog::aws::testing {

inline EnvironmentLookup fake_environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

}  // namespace kinesyslog::aws::testing
