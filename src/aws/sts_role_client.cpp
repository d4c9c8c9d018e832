#include "aws/sts_role_client.hpp"

#include <array>
#include <charconv>
#include <utility>

#include "aws/config_error.hpp"
#include "aws/iso8601.hpp"
#include "aws/sigv4_signer.hpp"
#include "aws/uri_encoding.hpp"

namespace kinesyslog::aws {
namespace {

constexpr std::string_view kStsApiVersion = "2011-06-15";

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// XML's five named entities and numeric character references; anything else is kept as written.
std::string decode_xml_entities(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, char>, 5> kNamed{
      {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}}};
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon == std::string_view::npos) {
      out += text[i];
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    bool decoded = false;
    for (const auto& [name, character] : kNamed) {
      if (entity == name) {
        out += character;
        decoded = true;
      }
    }
    if (!decoded && entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t code_point = 0;
      const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), code_point, hex ? 16 : 10);
      if (error == std::errc{} && end == digits.data() + digits.size() && !digits.empty() && code_point <= 0x10FFFF) {
        append_utf8(out, code_point);
        decoded = true;
      }
    }
    if (decoded) {
      i = semicolon;
    } else {
      out += '&';
    }
  }
  return out;
}

// The raw content of the first <name>…</name> (or "" for <name/>).
std::optional<std::string_view> element_content(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name);
  for (std::size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at + 1)) {
    const std::size_t after_name = at + open.size();
    if (after_name >= xml.size()) return std::nullopt;
    const char next = xml[after_name];
    if (next != '>' && next != ' ' && next != '/' && next != '\t' && next != '\n' && next != '\r') continue;
    const std::size_t tag_end = xml.find('>', after_name);
    if (tag_end == std::string_view::npos) return std::nullopt;
    if (xml[tag_end - 1] == '/') return std::string_view{};
    const std::size_t close = xml.find("</" + std::string(name) + ">", tag_end + 1);
    if (close == std::string_view::npos) return std::nullopt;
    return xml.substr(tag_end + 1, close - tag_end - 1);
  }
  return std::nullopt;
}

// Throttling and server-side faults pass; everything else STS refuses is for the user to fix.
bool is_transient(long status, std::string_view code) {
  constexpr std::array<std::string_view, 7> kTransientCodes{"Throttling",          "ThrottlingException",
                                                            "RequestLimitExceeded", "IDPCommunicationError",
                                                            "ServiceUnavailable",  "InternalFailure",
                                                            "RequestTimeout"};
  if (status >= 500 || status == 429) return true;
  for (const auto transient : kTransientCodes) {
    if (code == transient) return true;
  }
  return false;
}

std::string form_pair(std::string_view name, std::string_view value) {
  return "&" + std::string(name) + "=" + uri_encode(value);
}

}  // namespace

std::optional<std::string> xml_element_text(std::string_view xml, std::string_view name) {
  const auto content = element_content(xml, name);
  if (!content) return std::nullopt;
  return decode_xml_entities(*content);
}

std::optional<Credentials> parse_sts_credentials(std::string_view xml) {
  const auto section = element_content(xml, "Credentials");
  if (!section) return std::nullopt;
  auto access_key_id = xml_element_text(*section, "AccessKeyId");
  auto secret_access_key = xml_element_text(*section, "SecretAccessKey");
  auto session_token = xml_element_text(*section, "SessionToken");
  const auto expiration_text = xml_element_text(*section, "Expiration");
  if (!access_key_id || access_key_id->empty() || !secret_access_key || secret_access_key->empty() ||
      !session_token || !expiration_text) {
    return std::nullopt;
  }
  const auto expiration = parse_iso8601(*expiration_text);
  if (!expiration) return std::nullopt;
  return Credentials{std::move(*access_key_id), std::move(*secret_access_key), std::move(*session_token), expiration};
}

std::optional<StsError> parse_sts_error(std::string_view xml) {
  const auto error = element_content(xml, "Error");
  if (!error) return std::nullopt;
  auto code = xml_element_text(*error, "Code");
  if (!code) return std::nullopt;
  return StsError{std::move(*code), xml_element_text(*error, "Message").value_or("")};
}

StsRoleClient::StsRoleClient(HttpTransport& transport, ResolvedEndpoint endpoint, std::string region, const Clock& clock,
                             ClockSkew& skew)
    : transport_(transport), endpoint_(std::move(endpoint)), region_(std::move(region)), clock_(clock), skew_(skew) {
  auto url = parse_endpoint_url(endpoint_.url);
  if (!url) throw AwsConfigError("STS endpoint '" + endpoint_.url + "' (" + endpoint_.source + ") is not an http(s) URL");
  url_ = std::move(*url);
}

Credentials StsRoleClient::assume_role(const AssumeRoleCall& call, const Credentials& caller) {
  std::string body = "Action=AssumeRole&Version=" + std::string(kStsApiVersion) + form_pair("RoleArn", call.role_arn) +
                     form_pair("RoleSessionName", call.role_session_name);
  if (call.external_id) body += form_pair("ExternalId", *call.external_id);
  if (call.duration_seconds) body += form_pair("DurationSeconds", std::to_string(*call.duration_seconds));
  return send("AssumeRole", call.role_arn, body, &caller);
}

Credentials StsRoleClient::assume_role_with_web_identity(const AssumeRoleWithWebIdentityCall& call) {
  std::string body = "Action=AssumeRoleWithWebIdentity&Version=" + std::string(kStsApiVersion) +
                     form_pair("RoleArn", call.role_arn) + form_pair("RoleSessionName", call.role_session_name) +
                     form_pair("WebIdentityToken", call.web_identity_token);
  if (call.duration_seconds) body += form_pair("DurationSeconds", std::to_string(*call.duration_seconds));
  return send("AssumeRoleWithWebIdentity", call.role_arn, body, nullptr);
}

Credentials StsRoleClient::send(std::string_view action, std::string_view role_arn, const std::string& body,
                            const Credentials* caller) {
  HttpRequest request;
  request.method = "POST";
  request.path = url_.path;
  request.headers = {{"Host", url_.host_header()},
                     {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = body;

  const std::string what = "STS " + std::string(action) + " for " + std::string(role_arn) + " at " + endpoint_.url;
  HttpResponse response = sign_and_send(request, caller, what);
  // A signature refused for its time: once more at once with AWS's time (an unsigned call is never refused so).
  if (caller != nullptr && skew_.correct_from(response, clock_.now())) response = sign_and_send(request, caller, what);
  if (response.status == 200) {
    if (auto credentials = parse_sts_credentials(response.body)) return std::move(*credentials);
    throw CredentialsUnavailable(what + " answered 200 without readable credentials");
  }
  const auto error = parse_sts_error(response.body);
  const std::string code = error ? error->code : "";
  const std::string detail = "HTTP " + std::to_string(response.status) +
                             (error ? " " + error->code + ": " + error->message : std::string());
  if (code == "ExpiredToken") throw CallerCredentialsExpired(what + " refused the signing credentials: " + detail);
  if (refuses_signature_time(response) || is_transient(response.status, code)) {
    throw CredentialsUnavailable(what + " failed, will retry: " + detail);
  }
  throw AwsConfigError(what + " was refused: " + detail);
}

HttpResponse StsRoleClient::sign_and_send(HttpRequest& request, const Credentials* caller, const std::string& what) {
  if (caller != nullptr) SigV4Signer(region_, "sts").sign(request, *caller, skew_.aws_time(clock_.now()));
  try {
    return transport_.send(url_, request, HttpTimeouts{});
  } catch (const HttpTransportError& error) {
    throw CredentialsUnavailable(what + " got no answer: " + error.what());
  }
}

}  // namespace kinesyslog::aws
