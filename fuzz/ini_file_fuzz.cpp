// Any bytes as an AWS shared config or credentials file: nothing may crash, a refusal is an
// AwsConfigError naming the file, keys come out lower-cased and trimmed, and parsing is
// deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "aws/config_error.hpp"
#include "aws/ini_file.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

constexpr const char* kOrigin = "/fuzz/config";

std::optional<aws::IniFile> parse(std::string_view text) {
  try {
    return aws::IniFile::parse(text, kOrigin);
  } catch (const aws::AwsConfigError& error) {
    require(std::string_view(error.what()).find(kOrigin) != std::string_view::npos);
    return std::nullopt;
  }
}

bool is_key(std::string_view key) {
  if (key.empty() || key.front() == ' ' || key.front() == '\t' || key.back() == ' ' || key.back() == '\t') return false;
  for (char c : key) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto file = parse(text);
  const auto again = parse(text);
  require(file.has_value() == again.has_value());
  if (!file) return 0;
  require(file->sections().size() == again->sections().size());
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < file->sections().size(); ++i) {
    const aws::IniSection& section = file->sections()[i];
    const aws::IniSection& same = again->sections()[i];
    require(section.name == same.name && section.values == same.values && section.subsections == same.subsections);
    require(file->section(section.name) != nullptr);
    bytes += section.name.size();
    for (const auto& [key, value] : section.values) {
      require(is_key(key));
      require(section.value(key) == value);
      bytes += key.size() + value.size();
    }
    for (const auto& [key, nested] : section.subsections) {
      require(section.subsection(key) != nullptr);
      for (const auto& [nested_key, value] : nested) bytes += nested_key.size() + value.size();
    }
  }
  // Everything read comes from the text (multi-line values keep one '\n' per line).
  require(bytes <= size);
  return 0;
}
