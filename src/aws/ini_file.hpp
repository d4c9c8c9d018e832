#pragma once
// The INI dialect of the AWS shared config and credentials files, read with botocore's rules
// (Python's RawConfigParser plus botocore.configloader):
//  - `[name]` opens a section (the name is everything between '[' and the last ']');
//  - `key = value` or `key: value`, split at the first '=' or ':', whitespace around it dropped,
//    keys lower-cased; no inline comments (`a = b # c` has the value `b # c`);
//  - lines whose first non-blank character is '#' or ';' are comments;
//  - a line indented deeper than its key continues that key's value; a key with an empty value
//    followed by indented `name = value` lines is a sub-section (`s3 =` / `  addressing_style = path`);
//  - a repeated section or key within one file, a key before any section, or a line that is none of
//    these is an error, as in botocore.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::aws {

struct IniSection {
  std::string name;
  std::map<std::string, std::string> values;  // key (lower case) -> value; multi-line values keep their '\n'
  std::map<std::string, std::map<std::string, std::string>> subsections;  // key -> nested key -> value

  std::optional<std::string> value(std::string_view key) const;
  const std::map<std::string, std::string>* subsection(std::string_view key) const;
};

class IniFile {
 public:
  // `origin` names the text in error messages (the file's path). Throws AwsConfigError.
  static IniFile parse(std::string_view text, const std::string& origin);
  // nullopt when `path` is not a regular file (botocore ignores missing files); throws AwsConfigError
  // when it exists but cannot be read or parsed.
  static std::optional<IniFile> load(const std::filesystem::path& path);

  const std::vector<IniSection>& sections() const { return sections_; }
  const IniSection* section(std::string_view name) const;

 private:
  std::vector<IniSection> sections_;
};

}  // namespace kinesyslog::aws
