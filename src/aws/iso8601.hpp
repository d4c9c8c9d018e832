#pragma once
// Date-times as AWS writes them: ISO 8601 / RFC 3339 in credential expirations ("2026-11-24T15:04:05Z",
// STS adds no fraction, IMDS and credential_process helpers may add one or an offset), and HTTP's
// IMF-fixdate in every answer's Date header ("Mon, 30 Nov 2026 01:38:07 GMT").
#include <optional>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::aws {

// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm|±hhmm|±hh)`; 't'/'z' and a space for 'T' are accepted as
// dateutil (botocore's parser) accepts them. nullopt for anything else, including impossible dates,
// a missing zone (a local time would be ambiguous) and trailing text.
std::optional<WallTime> parse_iso8601(std::string_view text);

// RFC 7231 section 7.1.1.1 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, the form every HTTP/1.1
// server (AWS's included) must send. nullopt for anything else, a weekday that does not match the
// date included; the obsolete RFC 850 and asctime forms are not read.
std::optional<WallTime> parse_http_date(std::string_view text);

}  // namespace kinesyslog::aws
