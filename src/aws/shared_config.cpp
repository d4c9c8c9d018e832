#include "aws/shared_config.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {
namespace {

namespace fs = std::filesystem;

fs::path expand_home(const std::string& path, const Environment& environment) {
  if (path == "~" || path.starts_with("~/")) {
    if (auto home = non_empty_variable(environment, "HOME")) return fs::path(*home) / path.substr(path.size() > 1 ? 2 : 1);
  }
  return path;
}

fs::path default_path(const Environment& environment, std::string_view file_name) {
  auto home = non_empty_variable(environment, "HOME");
  return home ? fs::path(*home) / ".aws" / file_name : fs::path{};
}

// POSIX shell-like word splitting of a section name, as botocore does with shlex.split;
// nullopt for an unbalanced quote (botocore then ignores the section).
std::optional<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (quote == '"' && c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
        word.push_back(text[++i]);
      } else {
        word.push_back(c);
      }
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      in_word = true;
      if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '\\' && i + 1 < text.size()) {
        word.push_back(text[++i]);
      } else {
        word.push_back(c);
      }
    }
  }
  if (quote != 0) return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

// The profile a config-file section defines: `[default]` or `[profile NAME]`.
std::optional<std::string> config_profile_name(const std::string& section_name) {
  if (section_name == "default") return section_name;
  if (!section_name.starts_with("profile")) return std::nullopt;
  auto words = split_words(section_name);
  if (!words || words->size() != 2 || (*words)[0] != "profile") return std::nullopt;
  return (*words)[1];
}

std::string display(const fs::path& path) { return path.empty() ? std::string("(no file: $HOME is not set)") : path.string(); }

std::optional<std::string> non_empty_value(const std::optional<IniSection>& section, std::string_view key) {
  if (!section) return std::nullopt;
  auto value = section->value(key);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

SharedConfigPaths SharedConfigPaths::resolve(const Environment& environment) {
  SharedConfigPaths paths;
  auto config = non_empty_variable(environment, "AWS_CONFIG_FILE");
  paths.config_file = config ? expand_home(*config, environment) : default_path(environment, "config");
  auto credentials = non_empty_variable(environment, "AWS_SHARED_CREDENTIALS_FILE");
  paths.credentials_file = credentials ? expand_home(*credentials, environment) : default_path(environment, "credentials");
  return paths;
}

std::string ProfileName::describe() const {
  switch (source) {
    case ProfileNameSource::kOption: return fmt::format("profile '{}' (from --profile)", name);
    case ProfileNameSource::kAwsProfile: return fmt::format("profile '{}' (from AWS_PROFILE)", name);
    case ProfileNameSource::kAwsDefaultProfile: return fmt::format("profile '{}' (from AWS_DEFAULT_PROFILE)", name);
    case ProfileNameSource::kDefault: break;
  }
  return fmt::format("profile '{}'", name);
}

ProfileName resolve_profile_name(const std::optional<std::string>& option, const Environment& environment) {
  if (option && !option->empty()) return {*option, ProfileNameSource::kOption};
  if (auto name = non_empty_variable(environment, "AWS_PROFILE")) return {*name, ProfileNameSource::kAwsProfile};
  if (auto name = non_empty_variable(environment, "AWS_DEFAULT_PROFILE")) {
    return {*name, ProfileNameSource::kAwsDefaultProfile};
  }
  return {"default", ProfileNameSource::kDefault};
}

Profile::Profile(std::string name, std::optional<IniSection> config_section,
                 std::optional<IniSection> credentials_section, SharedConfigPaths paths)
    : name_(std::move(name)),
      config_section_(std::move(config_section)),
      credentials_section_(std::move(credentials_section)),
      paths_(std::move(paths)) {}

std::optional<std::string> Profile::value(std::string_view key) const {
  if (auto value = non_empty_value(credentials_section_, key)) return value;
  return non_empty_value(config_section_, key);
}

std::string Profile::describe_source(std::string_view key) const {
  const bool from_credentials = non_empty_value(credentials_section_, key).has_value();
  return fmt::format("profile '{}' in {}", name_,
                     display(from_credentials ? paths_.credentials_file : paths_.config_file));
}

std::optional<Credentials> Profile::static_credentials() const {
  const std::pair<const std::optional<IniSection>*, const fs::path*> sources[] = {
      {&credentials_section_, &paths_.credentials_file}, {&config_section_, &paths_.config_file}};
  for (const auto& [section, path] : sources) {
    auto access_key_id = non_empty_value(*section, "aws_access_key_id");
    if (!access_key_id) continue;
    auto secret_access_key = non_empty_value(*section, "aws_secret_access_key");
    if (!secret_access_key) {
      throw AwsConfigError(fmt::format("profile '{}' in {} has aws_access_key_id but no aws_secret_access_key",
                                       name_, display(*path)));
    }
    auto token = non_empty_value(*section, "aws_session_token");
    if (!token) token = non_empty_value(*section, "aws_security_token");  // botocore's legacy spelling
    return Credentials{std::move(*access_key_id), std::move(*secret_access_key), token.value_or(""), std::nullopt};
  }
  return std::nullopt;
}

SharedConfig SharedConfig::load(const SharedConfigPaths& paths) {
  std::optional<IniFile> config = paths.config_file.empty() ? std::nullopt : IniFile::load(paths.config_file);
  std::optional<IniFile> credentials =
      paths.credentials_file.empty() ? std::nullopt : IniFile::load(paths.credentials_file);
  return SharedConfig(std::move(config), std::move(credentials), paths);
}

SharedConfig::SharedConfig(std::optional<IniFile> config_file, std::optional<IniFile> credentials_file,
                           SharedConfigPaths paths)
    : config_file_(std::move(config_file)), credentials_file_(std::move(credentials_file)), paths_(std::move(paths)) {}

Profile SharedConfig::find_profile(std::string_view name) const {
  std::optional<IniSection> config_section;
  if (config_file_) {
    // When a profile is written twice (`[default]` and `[profile default]`), the later one wins, as in botocore.
    for (const auto& section : config_file_->sections()) {
      if (config_profile_name(section.name) == name) config_section = section;
    }
  }
  std::optional<IniSection> credentials_section;
  if (credentials_file_) {
    if (const IniSection* section = credentials_file_->section(name)) credentials_section = *section;
  }
  return Profile(std::string(name), std::move(config_section), std::move(credentials_section), paths_);
}

Profile SharedConfig::profile(const ProfileName& name) const {
  Profile found = find_profile(name.name);
  if (!found.exists() && name.is_explicit()) {
    throw AwsConfigError(fmt::format("{} is in neither {} nor {}", name.describe(), display(paths_.config_file),
                                     display(paths_.credentials_file)));
  }
  return found;
}

}  // namespace kinesyslog::aws
