#pragma once
// Where `listen` options come from besides the command line (SPEC §1): KINESYSLOG_* variables.
// The environment is passed in as a function so tests never touch the real one.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::cli {

// Looks up one variable by name; nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process's own environment (getenv).
Environment process_environment();

// "tcp-port" (a long option name without its dashes) -> "KINESYSLOG_TCP_PORT".
std::string environment_variable_for(std::string_view long_option);

// true for 1/true/yes/on, false for 0/false/no/off and the empty string (any case);
// nullopt for anything else.
std::optional<bool> parse_flag_word(std::string_view word);

// A repeatable option's environment value: values separated by any run of whitespace.
std::vector<std::string> split_whitespace(std::string_view text);

}  // namespace kinesyslog::cli
