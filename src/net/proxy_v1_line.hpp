#pragma once
// PROXY protocol v1, the human-readable line (proxy-protocol.txt §2.1):
//   "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF,  or  "PROXY UNKNOWN" [anything] CRLF
#include <string>
#include <string_view>

#include "net/proxy_header.hpp"

namespace kinesyslog::net::proxy_v1 {

// `line` is the line received so far; only its last byte is new, and it is not the final LF.
// Returns why no valid line can start with `line`, or an empty string while one still can.
std::string why_prefix_cannot_match(std::string_view line);

// Decodes a whole line that ends in CRLF into `header`; returns why it is invalid, or "" on success.
std::string parse_line(std::string_view line, ProxyHeader& header);

}  // namespace kinesyslog::net::proxy_v1
