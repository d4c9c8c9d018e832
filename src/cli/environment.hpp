#pragma once
// Where `listen` options come from besides the command line: KINESYSLOG_* variables,
// read through the injected core Environment.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/environment.hpp"

namespace kinesyslog::cli {

// "tcp-port" (a long option name without its dashes) -> "KINESYSLOG_TCP_PORT".
std::string environment_variable_for(std::string_view long_option);

// true for 1/true/yes/on, false for 0/false/no/off and the empty string (any case);
// nullopt for anything else.
std::optional<bool> parse_flag_word(std::string_view word);

// A repeatable option's environment value: values separated by any run of whitespace.
std::vector<std::string> split_whitespace(std::string_view text);

}  // namespace kinesyslog::cli
