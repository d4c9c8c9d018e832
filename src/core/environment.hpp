#pragma once
// Environment variables come in through a lookup function, so tests never touch the process's own.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kinesyslog {

// The variable's value, or nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The real process environment (getenv): the one place the program reads it.
Environment process_environment();

// The variable's value unless it is unset or empty: the AWS SDKs treat an empty variable as unset.
std::optional<std::string> non_empty_variable(const Environment& environment, std::string_view name);

}  // namespace kinesyslog
