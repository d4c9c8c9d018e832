#pragma once
// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials) and the profile
// chosen in them, resolved as the SDKs do (AWS SDKs and Tools Reference Guide, "Shared config and
// credentials files"; botocore session.py and configloader.py).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/ini_file.hpp"
#include "core/environment.hpp"

namespace kinesyslog::aws {

struct SharedConfigPaths {
  std::filesystem::path config_file;
  std::filesystem::path credentials_file;

  // AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/config and $HOME/.aws/credentials;
  // a leading "~/" is expanded with $HOME. A path stays empty when it cannot be formed (no $HOME).
  static SharedConfigPaths resolve(const Environment& environment);
};

enum class ProfileNameSource { kOption, kAwsProfile, kAwsDefaultProfile, kDefault };

struct ProfileName {
  std::string name;
  ProfileNameSource source = ProfileNameSource::kDefault;

  // A profile the user asked for must exist; the implicit "default" may be absent.
  bool is_explicit() const { return source != ProfileNameSource::kDefault; }
  std::string describe() const;  // "profile 'prod' (from AWS_PROFILE)"
};

// --profile, then AWS_PROFILE, then botocore's legacy AWS_DEFAULT_PROFILE, then "default".
ProfileName resolve_profile_name(const std::optional<std::string>& option, const Environment& environment);

// One profile's settings from both files. A key in the credentials file overrides the same key in
// the config file (botocore merges the credentials file's profiles into the config's key by key).
class Profile {
 public:
  Profile(std::string name, std::optional<IniSection> config_section, std::optional<IniSection> credentials_section,
          SharedConfigPaths paths);

  const std::string& name() const { return name_; }
  bool exists() const { return config_section_.has_value() || credentials_section_.has_value(); }

  // The key's value, credentials file first; an empty value counts as unset.
  std::optional<std::string> value(std::string_view key) const;
  // "profile 'prod' in /home/u/.aws/config" (the file the key's value came from), for messages.
  std::string describe_source(std::string_view key) const;

  std::optional<std::string> region() const { return value("region"); }
  std::optional<std::string> credential_process() const { return value("credential_process"); }
  std::optional<std::string> role_arn() const { return value("role_arn"); }
  std::optional<std::string> source_profile() const { return value("source_profile"); }
  std::optional<std::string> credential_source() const { return value("credential_source"); }
  std::optional<std::string> external_id() const { return value("external_id"); }
  std::optional<std::string> web_identity_token_file() const { return value("web_identity_token_file"); }
  std::optional<std::string> role_session_name() const { return value("role_session_name"); }

  // aws_access_key_id / aws_secret_access_key / aws_session_token, taken whole from one file: the
  // credentials file when its section has an access key, else the config file (botocore's
  // SharedCredentialProvider, then ConfigProvider). nullopt when neither has an access key;
  // AwsConfigError when the file with the access key lacks the secret.
  std::optional<Credentials> static_credentials() const;

 private:
  std::string name_;
  std::optional<IniSection> config_section_;
  std::optional<IniSection> credentials_section_;
  SharedConfigPaths paths_;
};

class SharedConfig {
 public:
  // Missing files are fine (no profiles in them); unreadable or malformed ones throw AwsConfigError.
  static SharedConfig load(const SharedConfigPaths& paths);
  SharedConfig(std::optional<IniFile> config_file, std::optional<IniFile> credentials_file, SharedConfigPaths paths);

  // The profile as found in the files (possibly in neither). In the config file a profile is
  // `[profile NAME]` (or `[default]`); in the credentials file it is `[NAME]`.
  Profile find_profile(std::string_view name) const;
  // find_profile, but an explicitly chosen profile that is in neither file is an AwsConfigError,
  // as the SDKs refuse it ("The config profile (x) could not be found").
  Profile profile(const ProfileName& name) const;

  const SharedConfigPaths& paths() const { return paths_; }

 private:
  std::optional<IniFile> config_file_;
  std::optional<IniFile> credentials_file_;
  SharedConfigPaths paths_;
};

}  // namespace kinesyslog::aws
