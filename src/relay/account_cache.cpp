#include "relay/account_cache.hpp"

#include <algorithm>
#include <fstream>
#include <spdlog/spdlog.h>
#include <system_error>

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
  const auto final_path = spool_dir / kAccountCacheName;
  const auto temporary_path = spool_dir / (std::string(kAccountCacheName) + ".tmp");
  {
    std::ofstream out(temporary_path, std::ios::trunc);
    out << account << '\n';
    if (!out.flush()) {
      spdlog::warn("cannot write {}: the account id will not be remembered", temporary_path.string());
      return;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary_path, final_path, error);
  if (error) spdlog::warn("cannot write {}: {}", final_path.string(), error.message());
}

}  // namespace kinesyslog::relay
