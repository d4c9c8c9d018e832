#include "spool/record_route.hpp"

#include <algorithm>
#include <charconv>

#include "core/ip_address.hpp"

namespace kinesyslog::spool {
namespace {

constexpr char kRouteSeparator = '~';

}  // namespace

std::string route_suffix(const RecordRoute& route) {
  if (route.empty()) return {};
  std::string address = route.source;
  std::replace(address.begin(), address.end(), ':', '_');
  std::string suffix;
  suffix.reserve(address.size() + 8);
  suffix += kRouteSeparator;
  suffix += address;
  suffix += kRouteSeparator;
  suffix += std::to_string(route.port);
  return suffix;
}

RecordRoute route_from_name(std::string_view name) {
  const size_t port_separator = name.rfind(kRouteSeparator);
  if (port_separator == std::string_view::npos || port_separator == 0) return {};
  const size_t address_separator = name.rfind(kRouteSeparator, port_separator - 1);
  if (address_separator == std::string_view::npos) return {};
  const std::string_view port_text = name.substr(port_separator + 1);
  uint16_t port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || std::to_string(port) != port_text) {
    return {};
  }
  std::string address(name.substr(address_separator + 1, port_separator - address_separator - 1));
  std::replace(address.begin(), address.end(), '_', ':');
  const auto parsed = IpAddress::parse(address);
  // Only the text we write: the canonical form, so a route read back hashes as it did when written.
  if (!parsed || parsed->to_string() != address) return {};
  return RecordRoute{std::move(address), port};
}

}  // namespace kinesyslog::spool
