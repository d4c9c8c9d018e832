#pragma once
// Environment variables come in through a lookup function, so tests never touch the process environment.
#include <functional>
#include <optional>
#include <string>

namespace kinesyslog::aws {

// The variable's value, or nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment (getenv); the one place this module reads it.
EnvironmentLookup process_environment();

// The variable's value unless it is unset or empty: the SDKs treat an empty variable as unset.
std::optional<std::string> non_empty_variable(const EnvironmentLookup& environment, const std::string& name);

}  // namespace kinesyslog::aws
