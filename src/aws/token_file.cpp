#include "aws/token_file.hpp"

#include <fstream>
#include <sstream>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {

std::string read_token_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  // Copying no characters at all (an empty file, a directory) fails too.
  if (!file || !(text << file.rdbuf())) throw AwsConfigError("cannot read " + what);
  std::string token = std::move(text).str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

}  // namespace kinesyslog::aws
