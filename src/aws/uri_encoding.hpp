#pragma once
// The URI pieces of a SigV4 canonical request (AWS General Reference, "Create a canonical request").
#include <string>
#include <string_view>

namespace kinesyslog::aws {

// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~),
// upper-case hex; '/' is kept too when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes; a '%' not followed by two hex digits is kept as it is.
std::string percent_decode(std::string_view text);

// RFC 3986 §5.2.4 dot-segment removal plus the merging of repeated slashes AWS services expect;
// a trailing slash survives, an empty path becomes "/".
std::string normalize_path(std::string_view path);

// The normalised path with each segment URI-encoded. The path is encoded as it is written on the
// request line, so an escape there is encoded again: AWS's "encode twice" rule for non-S3 services.
std::string canonical_uri(std::string_view path);

// Parameters decoded and re-encoded, then sorted by encoded name and, for repeated names, by value;
// a parameter without '=' gets an empty value.
std::string canonical_query_string(std::string_view query);

}  // namespace kinesyslog::aws
