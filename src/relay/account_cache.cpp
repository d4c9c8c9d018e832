#include "relay/account_cache.hpp"

#include <algorithm>
#include <fstream>
#include <spdlog/spdlog.h>
#include <system_error>

#include "spool/atomic_file.hpp"

namespace kinesyslog::relay {
namespace {

bool is_account_id(std::string_view text) {
  return text.size() == 12 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> read_cached_account(const std::filesystem::path& spool_dir) {
  std::ifstream in(spool_dir / kAccountCacheName);
  std::string account;
  if (!(in >> account) || !is_account_id(account)) return std::nullopt;
  return account;
}

void remember_account(const std::filesystem::path& spool_dir, std::string_view account) {
  if (!is_account_id(account)) return;
  try {
    spool::replace_file(spool_dir / kAccountCacheName, std::string(account) + "\n", 0644);
  } catch (const std::system_error& error) {
    spdlog::warn("cannot remember the account id: {}", error.what());
  }
}

}  // namespace kinesyslog::relay
