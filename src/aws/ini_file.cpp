#include "aws/ini_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

std::string_view trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

// Reads lines one at a time; the key being read stays open while deeper-indented lines continue it.
class IniParser {
 public:
  explicit IniParser(const std::string& origin) : origin_(origin) {}

  std::vector<IniSection> parse(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark from Windows editors
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      ++line_number_;
      read_line(text.substr(start, end - start));
      start = end + 1;
    }
    close_key();
    return std::move(sections_);
  }

 private:
  struct OpenKey {
    std::string name;
    std::vector<std::string> lines;  // the value's first line, then each continuation line
    size_t indent = 0;
  };

  [[noreturn]] void fail(std::string_view what) const {
    throw AwsConfigError(fmt::format("{}:{}: {}", origin_, line_number_, what));
  }

  void read_line(std::string_view line) {
    const std::string_view content = trimmed(line);
    if (content.empty()) {
      if (open_key_) open_key_->lines.emplace_back();  // blank lines may sit inside a value
      return;
    }
    if (content.front() == '#' || content.front() == ';') return;
    const size_t indent = line.find_first_not_of(kWhitespace);
    if (open_key_ && indent > open_key_->indent) {
      open_key_->lines.emplace_back(content);
      return;
    }
    close_key();
    const size_t closing = content.rfind(']');
    if (content.front() == '[' && closing != std::string_view::npos && closing >= 2) {
      open_section(std::string(content.substr(1, closing - 1)));
    } else {
      open_key(content, indent);
    }
  }

  void open_section(std::string name) {
    for (const auto& section : sections_) {
      if (section.name == name) fail(fmt::format("section [{}] appears twice", name));
    }
    sections_.push_back(IniSection{std::move(name), {}, {}});
  }

  void open_key(std::string_view content, size_t indent) {
    if (sections_.empty()) fail("a setting before any [section] header");
    const size_t delimiter = content.find_first_of("=:");
    if (delimiter == std::string_view::npos) fail(fmt::format("expected 'name = value', found '{}'", content));
    std::string name = lower(trimmed(content.substr(0, delimiter)));
    if (name.empty()) fail("a setting without a name");
    const IniSection& section = sections_.back();
    if (section.values.contains(name) || section.subsections.contains(name)) {
      fail(fmt::format("'{}' appears twice in [{}]", name, section.name));
    }
    open_key_ = OpenKey{std::move(name), {std::string(trimmed(content.substr(delimiter + 1)))}, indent};
  }

  // The lines joined as Python's configparser joins them; an empty first line makes a sub-section.
  void close_key() {
    if (!open_key_) return;
    OpenKey key = std::move(*open_key_);
    open_key_.reset();
    std::string value;
    for (size_t i = 0; i < key.lines.size(); ++i) {
      if (i > 0) value.push_back('\n');
      value.append(key.lines[i]);
    }
    value.erase(value.find_last_not_of(kWhitespace) + 1);
    IniSection& section = sections_.back();
    if (value.starts_with('\n')) {
      section.subsections[key.name] = parse_subsection(key.lines);
    } else {
      section.values[key.name] = std::move(value);
    }
  }

  // botocore.configloader._parse_nested: one level, `name = value` split at the first '='.
  std::map<std::string, std::string> parse_subsection(const std::vector<std::string>& lines) const {
    std::map<std::string, std::string> nested;
    for (const auto& line : lines) {
      if (line.empty()) continue;
      const size_t equals = line.find('=');
      if (equals == std::string::npos) fail(fmt::format("expected 'name = value' in a sub-section, found '{}'", line));
      nested[std::string(trimmed(std::string_view(line).substr(0, equals)))] =
          std::string(trimmed(std::string_view(line).substr(equals + 1)));
    }
    return nested;
  }

  const std::string& origin_;
  size_t line_number_ = 0;
  std::vector<IniSection> sections_;
  std::optional<OpenKey> open_key_;
};

}  // namespace

std::optional<std::string> IniSection::value(std::string_view key) const {
  const auto found = values.find(std::string(key));
  if (found == values.end()) return std::nullopt;
  return found->second;
}

const std::map<std::string, std::string>* IniSection::subsection(std::string_view key) const {
  const auto found = subsections.find(std::string(key));
  return found == subsections.end() ? nullptr : &found->second;
}

IniFile IniFile::parse(std::string_view text, const std::string& origin) {
  IniFile file;
  file.sections_ = IniParser(origin).parse(text);
  return file;
}

std::optional<IniFile> IniFile::load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AwsConfigError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw AwsConfigError(fmt::format("cannot read {}", path.string()));
  return parse(text, path.string());
}

const IniSection* IniFile::section(std::string_view name) const {
  for (const auto& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

}  // namespace kinesyslog::aws
