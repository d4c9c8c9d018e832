#include "cli/environment.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace kinesyslog::cli {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return to_lower_ascii(x) == to_lower_ascii(y); });
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string environment_variable_for(std::string_view long_option) {
  std::string name = "KINESYSLOG_";
  for (char c : long_option) {
    if (c == '-') {
      name += '_';
    } else if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else {
      name += c;
    }
  }
  return name;
}

std::optional<bool> parse_flag_word(std::string_view word) {
  static constexpr std::array<std::string_view, 4> kTrue{"1", "true", "yes", "on"};
  static constexpr std::array<std::string_view, 5> kFalse{"", "0", "false", "no", "off"};
  for (std::string_view candidate : kTrue) {
    if (equals_ignoring_case(word, candidate)) return true;
  }
  for (std::string_view candidate : kFalse) {
    if (equals_ignoring_case(word, candidate)) return false;
  }
  return std::nullopt;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  std::vector<std::string> values;
  size_t position = 0;
  while (position < text.size()) {
    while (position < text.size() && is_space(text[position])) ++position;
    size_t start = position;
    while (position < text.size() && !is_space(text[position])) ++position;
    if (position > start) values.emplace_back(text.substr(start, position - start));
  }
  return values;
}

}  // namespace kinesyslog::cli
