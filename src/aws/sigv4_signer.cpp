#include "aws/sigv4_signer.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <utility>

#include "aws/digest.hpp"
#include "aws/uri_encoding.hpp"
#include "core/ascii.hpp"
#include "core/calendar.hpp"

namespace kinesyslog::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kWhitespace = " \t\r\n\f\v";
// botocore's SIGNED_HEADERS_BLACKLIST: headers proxies and HTTP clients may rewrite in transit.
constexpr std::array<std::string_view, 3> kUnsignedHeaders = {"expect", "user-agent", "x-amzn-trace-id"};

std::string lower_trimmed(std::string_view name) {
  const size_t first = name.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return ascii_lower(name.substr(first, name.find_last_not_of(kWhitespace) - first + 1));
}

// SigV4 "Trimall": no leading or trailing whitespace, inner runs (folded line breaks too) become one space.
std::string trimmed_all(std::string_view value) {
  std::string trimmed;
  size_t start = value.find_first_not_of(kWhitespace);
  while (start != std::string_view::npos) {
    size_t end = value.find_first_of(kWhitespace, start);
    if (end == std::string_view::npos) end = value.size();
    if (!trimmed.empty()) trimmed.push_back(' ');
    trimmed.append(value.substr(start, end - start));
    start = value.find_first_not_of(kWhitespace, end);
  }
  return trimmed;
}

bool is_signed_header(std::string_view lower_name) {
  for (std::string_view excluded : kUnsignedHeaders) {
    if (lower_name == excluded) return false;
  }
  return true;
}

// Lower-cased name -> values joined by commas in request order; std::map keeps names sorted.
std::map<std::string, std::string> headers_to_sign(const HttpRequest& request) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = lower_trimmed(name);
    if (!is_signed_header(lower)) continue;
    auto [entry, inserted] = headers.try_emplace(std::move(lower));
    if (!inserted) entry->second.push_back(',');
    entry->second.append(trimmed_all(value));
  }
  if (!headers.contains("host")) {
    throw std::invalid_argument("SigV4: the request has no Host header to sign");
  }
  return headers;
}

std::string signed_header_list(const std::map<std::string, std::string>& headers) {
  std::string list;
  for (const auto& entry : headers) {
    if (!list.empty()) list.push_back(';');
    list.append(entry.first);
  }
  return list;
}

std::string scope_date(WallTime time) { return amz_date(time).substr(0, 8); }

}  // namespace

std::string amz_date(WallTime time) {
  const UtcDateTime utc = utc_date_time(time);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(utc.date.year()),
                     static_cast<unsigned>(utc.date.month()), static_cast<unsigned>(utc.date.day()),
                     utc.time.hours().count(), utc.time.minutes().count(), utc.time.seconds().count());
}

SigV4Signer::SigV4Signer(std::string region, std::string service, SessionTokenPlacement token_placement)
    : region_(std::move(region)), service_(std::move(service)), token_placement_(token_placement) {}

std::string SigV4Signer::canonical_request(const HttpRequest& request) const {
  const auto headers = headers_to_sign(request);
  std::string canonical;
  canonical.append(request.method).push_back('\n');
  canonical.append(canonical_uri(request.path)).push_back('\n');
  canonical.append(canonical_query_string(request.query)).push_back('\n');
  for (const auto& [name, value] : headers) {
    canonical.append(name).append(":").append(value).push_back('\n');
  }
  canonical.push_back('\n');
  canonical.append(signed_header_list(headers)).push_back('\n');
  const auto content_sha256 = headers.find("x-amz-content-sha256");
  canonical.append(content_sha256 != headers.end() ? content_sha256->second : hex_encode(sha256(request.body)));
  return canonical;
}

std::string SigV4Signer::credential_scope(WallTime now) const {
  return fmt::format("{}/{}/{}/aws4_request", scope_date(now), region_, service_);
}

std::string SigV4Signer::string_to_sign(std::string_view canonical_request, WallTime now) const {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date(now), credential_scope(now),
                     hex_encode(sha256(canonical_request)));
}

std::string SigV4Signer::signature(std::string_view string_to_sign, std::string_view secret_access_key,
                                   WallTime now) const {
  // The signing key chain: kDate = HMAC("AWS4" + secret, date), then region, service, "aws4_request".
  const std::string secret = std::string("AWS4").append(secret_access_key);
  const Sha256Digest date_key = hmac_sha256(secret, scope_date(now));
  const Sha256Digest region_key = hmac_sha256(as_bytes(date_key), region_);
  const Sha256Digest service_key = hmac_sha256(as_bytes(region_key), service_);
  const Sha256Digest signing_key = hmac_sha256(as_bytes(service_key), "aws4_request");
  return hex_encode(hmac_sha256(as_bytes(signing_key), string_to_sign));
}

std::string SigV4Signer::authorization_header(const HttpRequest& request, const Credentials& credentials,
                                              std::string_view signature_hex, WallTime now) const {
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm, credentials.access_key_id,
                     credential_scope(now), signed_header_list(headers_to_sign(request)), signature_hex);
}

SigV4Signature SigV4Signer::sign(HttpRequest& request, const Credentials& credentials, WallTime now) const {
  request.remove_header("Authorization");
  request.set_header("X-Amz-Date", amz_date(now));
  const bool has_token = !credentials.session_token.empty();
  if (has_token && token_placement_ == SessionTokenPlacement::kSigned) {
    request.set_header("X-Amz-Security-Token", credentials.session_token);
  }
  SigV4Signature result;
  result.canonical_request = canonical_request(request);
  result.string_to_sign = string_to_sign(result.canonical_request, now);
  result.authorization = authorization_header(
      request, credentials, signature(result.string_to_sign, credentials.secret_access_key, now), now);
  if (has_token && token_placement_ == SessionTokenPlacement::kAddedAfterSigning) {
    request.set_header("X-Amz-Security-Token", credentials.session_token);
  }
  request.headers.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace kinesyslog::aws
