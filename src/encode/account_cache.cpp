#include "encode/account_cache.hpp"

#include <fstream>
#include <system_error>

#include <spdlog/spdlog.h>

#include "core/record.hpp"
#include "spool/atomic_file.hpp"

namespace kinesyslog::encode {

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

}  // namespace kinesyslog::encode
