#include "net/proxy_v1_line.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <optional>

#include "net/hex_text.hpp"

namespace kinesyslog::net::proxy_v1 {

namespace {

constexpr std::string_view kPrefix = "PROXY ";
constexpr std::string_view kTcp4 = "TCP4";
constexpr std::string_view kTcp6 = "TCP6";
constexpr std::string_view kUnknown = "UNKNOWN";
constexpr size_t kTcpFieldCount = 6;  // PROXY, protocol, source, destination, two ports
constexpr size_t kMaxIpv6TextSize = 39;

bool is_digit(char byte) { return byte >= '0' && byte <= '9'; }
bool is_hex_digit(char byte) {
  return is_digit(byte) || (byte >= 'a' && byte <= 'f') || (byte >= 'A' && byte <= 'F');
}

std::string byte_text(char byte) { return hex_byte(static_cast<uint8_t>(byte)); }

// A field quoted for the log, with anything unprintable written as \xNN.
std::string quoted(std::string_view field) {
  std::string text = "\"";
  for (char byte : field) {
    if (byte >= 0x20 && byte < 0x7f) {
      text.push_back(byte);
    } else {
      text += "\\x" + byte_text(byte).substr(2);
    }
  }
  return text + "\"";
}

bool is_keyword(std::string_view word) { return word == kTcp4 || word == kTcp6 || word == kUnknown; }

bool could_become_keyword(std::string_view word) {
  return kTcp4.starts_with(word) || kTcp6.starts_with(word) || kUnknown.starts_with(word);
}

// A decimal without heading zeroes (§2.1: no confusion with octal), at most `max_value`.
std::optional<uint32_t> parse_decimal(std::string_view text, size_t max_digits, uint32_t max_value) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint32_t value = 0;
  for (char byte : text) {
    if (!is_digit(byte)) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(byte - '0');
  }
  if (value > max_value) return std::nullopt;
  return value;
}

// §2.1: exactly 4 integers 0..255 separated by single dots, no heading zeroes.
std::optional<IpAddress> parse_ipv4(std::string_view text) {
  std::array<uint8_t, 4> octets{};
  for (size_t index = 0; index < octets.size(); ++index) {
    const size_t dot = index + 1 < octets.size() ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const auto octet = parse_decimal(text.substr(0, dot), 3, 255);
    if (!octet) return std::nullopt;
    octets[index] = static_cast<uint8_t>(*octet);
    text.remove_prefix(dot == text.size() ? dot : dot + 1);
  }
  return IpAddress::from_v4(octets);
}

// §2.1: groups of hexadecimal digits separated by colons, at most one "::", 128 bits in all.
std::optional<IpAddress> parse_ipv6(std::string_view text) {
  if (text.size() < 2 || text.size() > kMaxIpv6TextSize) return std::nullopt;
  for (char byte : text) {
    if (!is_hex_digit(byte) && byte != ':') return std::nullopt;  // no embedded dotted IPv4
  }
  std::array<char, kMaxIpv6TextSize + 1> terminated{};
  text.copy(terminated.data(), text.size());
  std::array<uint8_t, 16> octets{};
  if (inet_pton(AF_INET6, terminated.data(), octets.data()) != 1) return std::nullopt;
  return IpAddress::from_v6(octets);
}

std::string parse_tcp_fields(std::string_view body, ProxyHeader& header) {
  std::array<std::string_view, kTcpFieldCount> fields;
  size_t count = 0;
  while (true) {
    const size_t space = body.find(' ');
    const std::string_view field = body.substr(0, space);
    if (field.empty()) return "v1 line has an empty field (fields are separated by exactly one space)";
    if (count == kTcpFieldCount) return "v1 line has more than 6 space-separated fields";
    fields[count++] = field;
    if (space == std::string_view::npos) break;
    body.remove_prefix(space + 1);
  }
  if (count != kTcpFieldCount) {
    return "v1 " + std::string{fields[1]} + " line has " + std::to_string(count) +
           " fields, expects PROXY, protocol, two addresses and two ports";
  }
  const bool inet6 = fields[1] == kTcp6;
  const auto parse_address = inet6 ? parse_ipv6 : parse_ipv4;
  const char* family_name = inet6 ? "IPv6" : "IPv4";
  const auto source = parse_address(fields[2]);
  if (!source) return "v1 source address " + quoted(fields[2]) + " is not a valid " + family_name + " address";
  const auto destination = parse_address(fields[3]);
  if (!destination) {
    return "v1 destination address " + quoted(fields[3]) + " is not a valid " + family_name + " address";
  }
  const auto source_port = parse_decimal(fields[4], 5, 0xFFFF);
  if (!source_port) return "v1 source port " + quoted(fields[4]) + " is not a decimal 0..65535 without heading zeroes";
  const auto destination_port = parse_decimal(fields[5], 5, 0xFFFF);
  if (!destination_port) {
    return "v1 destination port " + quoted(fields[5]) + " is not a decimal 0..65535 without heading zeroes";
  }
  header.family = inet6 ? ProxyHeader::Family::kInet6 : ProxyHeader::Family::kInet;
  header.transport = ProxyHeader::Transport::kStream;
  header.source = source;  // the destination is checked above, not kept
  header.source_port = static_cast<uint16_t>(*source_port);
  return {};
}

}  // namespace

std::string why_prefix_cannot_match(std::string_view line) {
  const size_t last = line.size() - 1;
  const char byte = line[last];
  // §2.1: only a complete CRLF ends the line; a lone CR or LF never does.
  if (last > 0 && line[last - 1] == '\r') return "v1 line has a CR not followed by LF";
  if (byte == '\n') return "v1 line ends in a bare LF instead of CRLF";
  if (line.size() <= kPrefix.size()) {
    if (byte != kPrefix[last]) return "not a PROXY header: " + quoted(line) + " does not start \"PROXY \"";
    return {};
  }
  const std::string_view after_prefix = line.substr(kPrefix.size());
  const size_t keyword_end = after_prefix.find_first_of(" \r");
  const std::string_view keyword = after_prefix.substr(0, keyword_end);
  if (keyword_end == std::string_view::npos ? !could_become_keyword(keyword) : !is_keyword(keyword)) {
    return "v1 protocol " + quoted(keyword) + " is not TCP4, TCP6 or UNKNOWN";
  }
  if (keyword_end == std::string_view::npos || keyword == kUnknown) return {};  // §2.1: UNKNOWN's rest is ignored
  if (byte == '\r') return {};
  if (byte == ' ') {
    if (line[last - 1] == ' ') return "v1 line has two spaces in a row (fields are separated by exactly one space)";
    return {};
  }
  const bool allowed = keyword == kTcp4 ? (is_digit(byte) || byte == '.') : (is_hex_digit(byte) || byte == ':');
  if (!allowed) return "v1 " + std::string{keyword} + " line has an unexpected byte " + byte_text(byte);
  return {};
}

std::string parse_line(std::string_view line, ProxyHeader& header) {
  if (!line.starts_with(kPrefix) || !line.ends_with("\r\n")) return "not a v1 PROXY line ending in CRLF";
  const std::string_view body = line.substr(0, line.size() - 2);
  header = ProxyHeader{};
  header.version = 1;
  header.command = ProxyHeader::Command::kProxy;
  const std::string_view after_prefix = body.substr(kPrefix.size());
  const std::string_view keyword = after_prefix.substr(0, after_prefix.find(' '));
  if (keyword == kUnknown) return {};  // §2.1: keep the real connection's endpoints
  if (keyword != kTcp4 && keyword != kTcp6) return "v1 protocol " + quoted(keyword) + " is not TCP4, TCP6 or UNKNOWN";
  return parse_tcp_fields(body, header);
}

}  // namespace kinesyslog::net::proxy_v1
