#include "aws/service_error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>

namespace kinesyslog::aws {
namespace {

// Codes that mean "later" whatever their HTTP status (botocore's retryhandler lists them too).
constexpr std::array<std::string_view, 10> kRetryableCodes = {
    "ServiceUnavailableException", "ThrottlingException", "LimitExceededException", "Throttling",
    "ThrottledException",          "RequestLimitExceeded", "TooManyRequestsException", "InternalFailure",
    "ServiceUnavailable",          "RequestTimeout"};
constexpr std::array<std::string_view, 3> kExpiredCodes = {"ExpiredTokenException", "ExpiredToken",
                                                           "RequestExpired"};
constexpr std::array<std::string_view, 2> kSkewCodes = {"RequestTimeTooSkewed", "RequestInTheFuture"};
constexpr std::array<std::string_view, 2> kSignatureCodes = {"InvalidSignatureException", "SignatureDoesNotMatch"};

std::string_view strip_code(std::string_view code) {
  if (const auto hash = code.rfind('#'); hash != std::string_view::npos) code.remove_prefix(hash + 1);
  if (const auto colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
  return code;
}

template <size_t N>
bool contains(const std::array<std::string_view, N>& codes, std::string_view code) {
  for (std::string_view listed : codes) {
    if (listed == code) return true;
  }
  return false;
}

}  // namespace

std::string ServiceError::describe() const {
  const std::string name = code.empty() ? std::string("error") : code;
  return message.empty() ? fmt::format("{} (HTTP {})", name, http_status)
                         : fmt::format("{} (HTTP {}): {}", name, http_status, message);
}

ServiceError json_service_error(const HttpResponse& response) {
  ServiceError error{response.status, {}, {}};
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(response.body).get(document) == simdjson::SUCCESS && document.is_object()) {
    std::string_view text;
    if (document["__type"].get_string().get(text) == simdjson::SUCCESS) error.code = strip_code(text);
    if (document["message"].get_string().get(text) == simdjson::SUCCESS ||
        document["Message"].get_string().get(text) == simdjson::SUCCESS) {
      error.message = text;
    }
  }
  if (error.code.empty()) {
    for (const auto& [name, value] : response.headers) {
      if (header_name_equals(name, "x-amzn-ErrorType")) error.code = strip_code(value);
    }
  }
  if (error.message.empty() && error.code.empty()) error.message = response.body.substr(0, 200);
  return error;
}

ServiceError query_service_error(const HttpResponse& response) {
  ServiceError error{response.status, std::string(xml_element_text(response.body, "Code")),
                     std::string(xml_element_text(response.body, "Message"))};
  if (error.message.empty() && error.code.empty()) error.message = response.body.substr(0, 200);
  return error;
}

ServiceError any_service_error(const HttpResponse& response) {
  const auto first = response.body.find_first_not_of(" \t\r\n");
  const bool xml = first != std::string::npos && response.body[first] == '<';
  return xml ? query_service_error(response) : json_service_error(response);
}

bool is_clock_skew(const ServiceError& error) {
  if (contains(kSkewCodes, error.code)) return true;
  const std::string_view message = error.message;
  return contains(kSignatureCodes, error.code) &&
         (message.starts_with("Signature expired") || message.starts_with("Signature not yet current"));
}

ErrorAction error_action(const ServiceError& error) {
  // Before the code lists: a skewed signature is corrected from the answer's Date and retried (ClockSkew).
  if (is_clock_skew(error)) return ErrorAction::kRetry;
  if (contains(kExpiredCodes, error.code)) return ErrorAction::kRefreshCredentialsAndRetry;
  if (contains(kRetryableCodes, error.code)) return ErrorAction::kRetry;
  if (error.http_status >= 500 || error.http_status == 429 || error.http_status == 408) return ErrorAction::kRetry;
  // ResourceNotFound, AccessDenied, InvalidArgument, UnrecognizedClient, InvalidSignature, Validation…
  return ErrorAction::kGiveUp;
}

std::string_view xml_element_text(std::string_view xml, std::string_view name) {
  const std::string open = fmt::format("<{}>", name);
  const std::string close = fmt::format("</{}>", name);
  const auto start = xml.find(open);
  if (start == std::string_view::npos) return {};
  const auto text_start = start + open.size();
  const auto end = xml.find(close, text_start);
  if (end == std::string_view::npos) return {};
  return xml.substr(text_start, end - text_start);
}

}  // namespace kinesyslog::aws
