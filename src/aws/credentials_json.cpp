#include "aws/credentials_json.hpp"

#include <simdjson.h>

#include "aws/iso8601.hpp"

namespace kinesyslog::aws {
namespace {

ParsedCredentialsJson problem(std::string text) { return {std::nullopt, std::move(text)}; }

// The member as a non-empty string; nullopt when absent, null, empty or not a string.
std::optional<std::string> string_member(simdjson::dom::object document, std::string_view name) {
  std::string_view value;
  if (document[name].get_string().get(value) || value.empty()) return std::nullopt;
  return std::string(value);
}

bool has_member(simdjson::dom::object document, std::string_view name) {
  simdjson::dom::element value;
  return !document[name].get(value) && !value.is_null();
}

}  // namespace

ParsedCredentialsJson parse_credentials_json(std::string_view json, CredentialsJsonDialect dialect) {
  simdjson::dom::parser parser;
  simdjson::dom::object document;
  if (auto error = parser.parse(simdjson::padded_string(json)).get_object().get(document)) {
    return problem(std::string("not a JSON object (") + simdjson::error_message(error) + ")");
  }
  const bool from_process = dialect == CredentialsJsonDialect::kProcess;
  if (from_process) {
    int64_t version = 0;
    if (document["Version"].get_int64().get(version) || version != 1) {
      return problem("\"Version\" must be 1, the only version AWS defines");
    }
  } else if (auto code = string_member(document, "Code"); code && *code != "Success") {
    return problem("\"Code\" is \"" + *code + "\", not \"Success\"");
  }
  auto access_key_id = string_member(document, "AccessKeyId");
  if (!access_key_id) return problem("no \"AccessKeyId\"");
  auto secret_access_key = string_member(document, "SecretAccessKey");
  if (!secret_access_key) return problem("no \"SecretAccessKey\"");
  const std::string_view token_member = from_process ? "SessionToken" : "Token";
  auto session_token = string_member(document, token_member);
  if (!session_token && !from_process) return problem("no \"Token\"");

  std::optional<WallTime> expiration;
  if (auto expiration_text = string_member(document, "Expiration")) {
    expiration = parse_iso8601(*expiration_text);
    if (!expiration) return problem("\"Expiration\" \"" + *expiration_text + "\" is not an ISO 8601 time with a zone");
  } else if (!from_process || has_member(document, "Expiration")) {
    return problem(from_process ? "\"Expiration\" is not a string" : "no \"Expiration\"");
  }
  return {Credentials{std::move(*access_key_id), std::move(*secret_access_key), session_token.value_or(""), expiration},
          {}};
}

}  // namespace kinesyslog::aws
