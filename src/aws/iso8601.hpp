#pragma once
// ISO 8601 / RFC 3339 date-times as AWS writes credential expirations ("2026-11-24T15:04:05Z",
// STS adds no fraction, IMDS and credential_process helpers may add one or an offset).
#include <optional>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::aws {

// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm|±hhmm|±hh)`; 't'/'z' and a space for 'T' are accepted as
// dateutil (botocore's parser) accepts them. nullopt for anything else, including impossible dates,
// a missing zone (a local time would be ambiguous) and trailing text.
std::optional<WallTime> parse_iso8601(std::string_view text);

}  // namespace kinesyslog::aws
