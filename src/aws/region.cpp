#include "aws/region.hpp"

namespace kinesyslog::aws {
namespace {

bool is_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

std::optional<ResolvedRegion> resolve_region(const std::optional<std::string>& option,
                                             const Environment& environment, const Profile& profile) {
  if (option && !option->empty()) return ResolvedRegion{*option, "--region"};
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto region = non_empty_variable(environment, variable)) return ResolvedRegion{*region, variable};
  }
  if (auto region = profile.region()) return ResolvedRegion{*region, profile.describe_source("region")};
  return std::nullopt;
}

bool is_valid_region_name(std::string_view name) {
  if (name.empty() || name.size() > 63 || !is_alphanumeric(name.front()) || !is_alphanumeric(name.back())) {
    return false;
  }
  for (char c : name) {
    if (!is_alphanumeric(c) && c != '-') return false;
  }
  return true;
}

}  // namespace kinesyslog::aws
