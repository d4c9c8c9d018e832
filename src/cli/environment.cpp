#include "cli/environment.hpp"

#include <array>

#include "core/ascii.hpp"

namespace kinesyslog::cli {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

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
    if (ascii_equals_ignoring_case(word, candidate)) return true;
  }
  for (std::string_view candidate : kFalse) {
    if (ascii_equals_ignoring_case(word, candidate)) return false;
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
