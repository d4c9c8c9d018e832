#pragma once
// The AWS account id last learned from STS, kept beside the spool. It stands in while STS has
// not answered since start (AWS unreachable): encoding the waiting batches with the last known
// account beats holding them in memory or dropping them at shutdown (the spool is the commit point).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kinesyslog::encode {

inline constexpr std::string_view kAccountCacheName = ".kinesyslog-account";

// The cached 12-digit account id, if a readable, well-formed one is there.
std::optional<std::string> read_cached_account(const std::filesystem::path& spool_dir);
// Records `account` (12 digits) atomically; failures are logged, never thrown.
void remember_account(const std::filesystem::path& spool_dir, std::string_view account);

}  // namespace kinesyslog::encode
