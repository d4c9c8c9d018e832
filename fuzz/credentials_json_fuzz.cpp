// Any bytes as a credential document (IMDS, the container endpoint, credential_process): nothing may
// crash, every answer is credentials or a reason, credentials hold both keys, and the same bytes
// always give the same answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/credentials_json.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

}  // namespace

// Input layout: 1 byte choosing the dialect, then the document.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto dialect =
      data[0] % 2 == 0 ? aws::CredentialsJsonDialect::kMetadataService : aws::CredentialsJsonDialect::kProcess;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const aws::ParsedCredentialsJson parsed = aws::parse_credentials_json(text, dialect);
  const aws::ParsedCredentialsJson again = aws::parse_credentials_json(text, dialect);
  require(parsed.credentials.has_value() != !parsed.problem.empty());
  require(parsed.problem == again.problem && parsed.credentials.has_value() == again.credentials.has_value());
  if (!parsed.credentials) return 0;
  const aws::Credentials& credentials = *parsed.credentials;
  require(!credentials.access_key_id.empty() && !credentials.secret_access_key.empty());
  require(credentials.access_key_id.size() + credentials.secret_access_key.size() + credentials.session_token.size() <=
          text.size());
  require(credentials.access_key_id == again.credentials->access_key_id &&
          credentials.secret_access_key == again.credentials->secret_access_key &&
          credentials.session_token == again.credentials->session_token &&
          credentials.expiration == again.credentials->expiration);
  // The metadata service always hands out temporary credentials.
  if (dialect == aws::CredentialsJsonDialect::kMetadataService) {
    require(!credentials.session_token.empty() && credentials.expiration.has_value());
  }
  return 0;
}
