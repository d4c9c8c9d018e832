#pragma once
// AWS Signature Version 4 for requests signed in the Authorization header
// (AWS General Reference, "Signing AWS API requests" / "Create a signed AWS API request").
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/http_request.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// Most services (Firehose and STS among them) sign the session token; the suite's
// post-sts-header-after case shows the older style of adding it once the signature is made.
enum class SessionTokenPlacement { kSigned, kAddedAfterSigning };

// The intermediate texts of one signature, kept for the test suite and debug logs.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;  // the Authorization header value
};

class SigV4Signer {
 public:
  SigV4Signer(std::string region, std::string service,
              SessionTokenPlacement token_placement = SessionTokenPlacement::kSigned);

  // Sets X-Amz-Date (and X-Amz-Security-Token when the credentials carry one) and Authorization on
  // `request`, replacing earlier values. The request must already have its Host header.
  // Like botocore for non-S3 services, no x-amz-content-sha256 header is added; one the caller set
  // is signed and its value stands in for the payload hash (S3's UNSIGNED-PAYLOAD).
  SigV4Signature sign(HttpRequest& request, const Credentials& credentials, WallTime now) const;

  // Canonical request of `request` exactly as it is (no headers added).
  std::string canonical_request(const HttpRequest& request) const;
  std::string string_to_sign(std::string_view canonical_request, WallTime now) const;

  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }

 private:
  std::string credential_scope(WallTime now) const;
  std::string signature(std::string_view string_to_sign, std::string_view secret_access_key, WallTime now) const;
  std::string authorization_header(const HttpRequest& request, const Credentials& credentials,
                                   std::string_view signature_hex, WallTime now) const;

  std::string region_;
  std::string service_;
  SessionTokenPlacement token_placement_;
};

// "20150830T123600Z": the X-Amz-Date format (UTC, seconds truncated).
std::string amz_date(WallTime time);

}  // namespace kinesyslog::aws
