#include "deliver/firehose_startup_check.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <optional>
#include <variant>

#include "aws/credentials_provider.hpp"
#include "aws/firehose_client.hpp"
#include "aws/sts_client.hpp"
#include "core/random_seed.hpp"
#include "deliver/retry_backoff.hpp"

namespace kinesyslog::deliver {
namespace {

// Retry the start-up calls every second at first, then at most every minute.
constexpr auto kRetryBase = std::chrono::seconds(1);
constexpr auto kRetryCap = std::chrono::seconds(60);

}  // namespace

FirehoseStartupCheck::FirehoseStartupCheck(std::vector<std::string> streams, aws::SignedClient& firehose,
                                           aws::SignedClient& sts)
    : streams_(std::move(streams)), active_(streams_.size(), false), firehose_(firehose), sts_(sts) {}

bool FirehoseStartupCheck::attempt() {
  last_problem_.clear();
  // Both calls each time something is missing, so one unreachable service does not hide the other's refusal.
  const bool stream_ok = check_streams();
  const bool account_ok = !account_.empty() || check_account();
  return stream_ok && account_ok;
}

// Every stream not yet seen ACTIVE, each time: one unreachable answer does not hide another's refusal.
bool FirehoseStartupCheck::check_streams() {
  bool all_active = true;
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (!active_[i]) active_[i] = check_stream(streams_[i]);
    all_active = all_active && active_[i];
  }
  return all_active;
}

bool FirehoseStartupCheck::check_stream(const std::string& stream) {
  const std::string what =
      fmt::format("DescribeDeliveryStream for Firehose stream {} in {}", stream, firehose_.signer().region());
  return startup_call(last_problem_, what, firehose_, [&]() -> std::optional<aws::ServiceError> {
    auto answer = aws::describe_delivery_stream(firehose_, stream);
    if (auto* error = std::get_if<aws::ServiceError>(&answer)) {
      if (error->code == "ResourceNotFoundException") {
        throw StartupRefused(fmt::format("Firehose stream {} does not exist in {} (--stream, --region): {}", stream,
                                         firehose_.signer().region(), error->describe()));
      }
      return std::move(*error);
    }
    const auto& status = std::get<aws::StreamStatus>(answer);
    if (status.status != "ACTIVE") {
      throw StartupRefused(fmt::format("Firehose stream {} in {} is {}, not ACTIVE (--stream)", stream,
                                       firehose_.signer().region(), status.status));
    }
    return std::nullopt;
  });
}

bool FirehoseStartupCheck::check_account() {
  const std::string what = fmt::format("STS GetCallerIdentity at {}", sts_.endpoint().host_header());
  return startup_call(last_problem_, what, sts_, [&]() -> std::optional<aws::ServiceError> {
    auto answer = aws::get_caller_identity(sts_);
    if (auto* error = std::get_if<aws::ServiceError>(&answer)) return std::move(*error);
    account_ = std::get<aws::AccountId>(answer).digits;
    return std::nullopt;
  });
}

// Only definitive answers stop the relay (docs/behaviour.md §5.1): a refusal throws StartupRefused; throttling,
// 5xx, network and credential-source outages are noted in last_problem and retried later.
bool startup_call(std::string& last_problem, const std::string& what, aws::SignedClient& client,
                  const std::function<std::optional<aws::ServiceError>()>& call) {
  try {
    const std::optional<aws::ServiceError> error = call();
    if (!error) return true;
    switch (aws::error_action(*error)) {
      case aws::ErrorAction::kGiveUp: throw StartupRefused(fmt::format("{}: {}", what, error->describe()));
      case aws::ErrorAction::kRefreshCredentialsAndRetry: client.credentials().invalidate(); break;
      case aws::ErrorAction::kRetry: break;
    }
    last_problem += fmt::format("{}: {}. ", what, error->describe());
  } catch (const aws::HttpTransportError& error) {
    last_problem += fmt::format("{}: {}. ", what, error.what());
  } catch (const aws::CredentialsUnavailable& error) {
    // STS, IMDS or the container endpoint is unreachable for now: as unreachable as Firehose itself.
    last_problem += fmt::format("{}: no credentials yet: {}. ", what, error.what());
  }
  return false;
}

BackgroundStartupCheck::BackgroundStartupCheck(StartupCheck& check, AccountIdPromise& owner,
                                               std::function<void(const std::string&)> on_refused,
                                               uint64_t jitter_seed)
    : check_(check), owner_(owner), on_refused_(std::move(on_refused)), jitter_seed_(jitter_seed),
      thread_([this](std::stop_token stop) { run(stop); }) {}

BackgroundStartupCheck::~BackgroundStartupCheck() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void BackgroundStartupCheck::run(std::stop_token stop) {
  RetryBackoff backoff(kRetryBase, kRetryCap, jitter_seed_);
  for (uint32_t failures = 0; !stop.stop_requested(); ++failures) {
    const auto delay = backoff.delay(failures, backoff.draw_fraction()) + std::chrono::milliseconds(200);
    if (pause_.sleep_for(stop, delay)) return;
    try {
      if (check_.attempt()) {
        spdlog::info("AWS reachable again: every stream ACTIVE, account {}; encoding resumes", check_.account());
        owner_.set(check_.account());
        return;
      }
      spdlog::warn("AWS still unreachable (attempt {}): {}", failures + 2, check_.last_problem());
    } catch (const StartupRefused& refused) {
      on_refused_(refused.what());
      return;
    } catch (const std::exception& error) {
      spdlog::warn("start-up check failed (will retry): {}", error.what());
    }
  }
}

}  // namespace kinesyslog::deliver
