// Any bytes as an AWS answer: the Date header, ISO 8601 expirations, error bodies of both
// protocols and credential documents. Nothing may crash, and what is read must be sane.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/clock_skew.hpp"
#include "aws/credentials_json.hpp"
#include "aws/iso8601.hpp"
#include "aws/service_error.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

// Four-digit years only: 0000-01-01 .. 9999-12-31 plus a day of zone offset either side.
bool within_four_digit_years(kinesyslog::WallTime time) {
  constexpr int64_t kMinSeconds = -62'167'219'200 - 86'400;
  constexpr int64_t kMaxSeconds = 253'402'300'800 + 86'400;
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  return seconds >= kMinSeconds && seconds <= kMaxSeconds;
}

}  // namespace

// Input layout: 1 byte choosing the parser (and the HTTP status for error bodies), then the text.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (choice % 4) {
    case 0:
      if (const auto date = aws::parse_http_date(text)) require(within_four_digit_years(*date));
      break;
    case 1:
      if (const auto time = aws::parse_iso8601(text)) require(within_four_digit_years(*time));
      break;
    case 2: {
      aws::HttpResponse response;
      response.status = 400 + (choice >> 2);
      response.headers.emplace_back("Date", std::string(text.substr(0, 40)));
      response.body = std::string(text);
      const aws::ServiceError error = aws::any_service_error(response);
      require(error.http_status == response.status);
      (void)aws::error_action(error);
      (void)error.describe();
      aws::ClockSkew skew;
      if (const auto offset = skew.correct_from(response, kinesyslog::WallTime{})) require(skew.offset() == *offset);
      break;
    }
    default: {
      const auto dialect = (choice >> 2) % 2 == 0 ? aws::CredentialsJsonDialect::kMetadataService
                                                  : aws::CredentialsJsonDialect::kProcess;
      const aws::ParsedCredentialsJson parsed = aws::parse_credentials_json(text, dialect);
      require(parsed.credentials.has_value() || !parsed.problem.empty());
      break;
    }
  }
  return 0;
}
