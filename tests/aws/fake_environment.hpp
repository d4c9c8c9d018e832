#pragma once
// An environment for tests: a fixed map instead of the process's variables.
#include <map>
#include <optional>
#include <string>

#include "core/environment.hpp"

namespace kinesyslog::aws::testing {

inline Environment fake_environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(std::string(name));
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

}  // namespace kinesyslog::aws::testing
