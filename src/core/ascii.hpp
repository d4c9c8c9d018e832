#pragma once
// ASCII case folding for protocol words (HTTP header names, URL schemes and hosts, flag words):
// std::tolower would follow the process's locale, these never do.
#include <algorithm>
#include <string>
#include <string_view>

namespace kinesyslog {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = ascii_lower(c);
  return lower;
}

constexpr bool ascii_equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace kinesyslog
