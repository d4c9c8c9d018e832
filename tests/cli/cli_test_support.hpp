#pragma once
// Shared helpers for the cli tests: a fake environment and a parser call on a word list.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "cli/command_line.hpp"

namespace kinesyslog::cli::testing {

using Variables = std::map<std::string, std::string, std::less<>>;

inline Environment fake_environment(Variables variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// Parses `kinesyslog <words...>` against `variables` instead of the real environment.
inline ParseOutcome parse(std::vector<std::string> words, Variables variables = {}) {
  words.insert(words.begin(), "kinesyslog");
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), fake_environment(std::move(variables)));
}

// The options of a `listen` command line that must parse.
inline ListenOptions parse_listen(std::vector<std::string> words, Variables variables = {}) {
  words.insert(words.begin(), "listen");
  ParseOutcome outcome = parse(std::move(words), std::move(variables));
  if (auto* failure = std::get_if<PrintAndExit>(&outcome)) {
    ADD_FAILURE() << "expected a listen command, got exit " << failure->exit_code << ": " << failure->text;
    return {};
  }
  return std::get<RunListen>(outcome).options;
}

// The text and code of a command line that must print and exit.
inline PrintAndExit parse_to_exit(std::vector<std::string> words, Variables variables = {}) {
  ParseOutcome outcome = parse(std::move(words), std::move(variables));
  if (!std::holds_alternative<PrintAndExit>(outcome)) {
    ADD_FAILURE() << "expected print-and-exit, got command #" << outcome.index();
    return {};
  }
  return std::get<PrintAndExit>(outcome);
}

}  // namespace kinesyslog::cli::testing
