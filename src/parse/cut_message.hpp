#pragma once
// What a message cut at --max-message-size still is. Syslog text cut short is still a message:
// it is relayed, counted truncated. GELF cut short is not: cut JSON is no longer a GELF
// document, so it is dropped rather than half a document passed on.
#include "core/source_key.hpp"

namespace kinesyslog::parse {

constexpr bool cut_message_is_kept(Protocol protocol) { return protocol != Protocol::kGelf; }

}  // namespace kinesyslog::parse
