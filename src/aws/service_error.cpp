#include "aws/service_error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>

#include "aws/xml_reader.hpp"
#include "core/ascii.hpp"

namespace kinesyslog::aws {
namespace {

// Codes whose action does not follow from the HTTP status. Throttling and transient faults are
// botocore's (retries/standard.py, and IDPCommunicationError from its STS retry config); an expired
// session token is fetched anew first. Any code not listed is a refusal unless its status says later.
struct CodeAction {
  std::string_view code;
  ErrorAction action;
};
constexpr std::array<CodeAction, 16> kCodeActions{{
    {"Throttling", ErrorAction::kRetry},
    {"ThrottlingException", ErrorAction::kRetry},
    {"ThrottledException", ErrorAction::kRetry},
    {"TooManyRequestsException", ErrorAction::kRetry},
    {"RequestLimitExceeded", ErrorAction::kRetry},
    {"LimitExceededException", ErrorAction::kRetry},
    {"ProvisionedThroughputExceededException", ErrorAction::kRetry},  // Kinesis: a shard's write quota, HTTP 400
    {"KMSThrottlingException", ErrorAction::kRetry},  // Kinesis: KMS throttled the stream's encryption key
    {"ServiceUnavailable", ErrorAction::kRetry},
    {"ServiceUnavailableException", ErrorAction::kRetry},
    {"InternalFailure", ErrorAction::kRetry},
    {"RequestTimeout", ErrorAction::kRetry},
    {"IDPCommunicationError", ErrorAction::kRetry},  // STS could not reach the web identity provider
    {"ExpiredToken", ErrorAction::kRefreshCredentialsAndRetry},
    {"ExpiredTokenException", ErrorAction::kRefreshCredentialsAndRetry},
    {"RequestExpired", ErrorAction::kRefreshCredentialsAndRetry},
}};
constexpr std::array<std::string_view, 2> kSkewCodes = {"RequestTimeTooSkewed", "RequestInTheFuture"};
constexpr std::array<std::string_view, 2> kSignatureCodes = {"InvalidSignatureException", "SignatureDoesNotMatch"};

// 408 Request Timeout, 429 Too Many Requests and every 5xx: the same call may succeed later.
bool is_retryable_status(long status) { return status >= 500 || status == 429 || status == 408; }

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
      if (ascii_equals_ignoring_case(name, "x-amzn-ErrorType")) error.code = strip_code(value);
    }
  }
  if (error.message.empty() && error.code.empty()) error.message = response.body.substr(0, 200);
  return error;
}

ServiceError query_service_error(const HttpResponse& response) {
  ServiceError error{response.status, {}, {}};
  if (const auto document = read_xml(response.body)) {
    error.code = document->text_of("Code").value_or("");
    error.message = document->text_of("Message").value_or("");
  }
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
  // Before the table: a skewed signature is corrected from the answer's Date and retried (ClockSkew).
  if (is_clock_skew(error)) return ErrorAction::kRetry;
  for (const auto& [code, action] : kCodeActions) {
    if (code == error.code) return action;
  }
  if (is_retryable_status(error.http_status)) return ErrorAction::kRetry;
  // ResourceNotFound, AccessDenied, InvalidArgument, UnrecognizedClient, InvalidSignature, Validation…
  return ErrorAction::kGiveUp;
}

}  // namespace kinesyslog::aws
