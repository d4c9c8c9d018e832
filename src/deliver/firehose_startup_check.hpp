#pragma once
// docs/behaviour.md §5.1 start-up checks for Firehose: DescribeDeliveryStream must say ACTIVE for every stream, and STS
// GetCallerIdentity gives the account for records' `owner`. Only a definitive answer refuses
// to start; when AWS cannot be reached the relay starts anyway and the checks go on in the
// background with backoff, while encoders wait for the account (AccountIdPromise).
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"
#include "core/account_id_promise.hpp"
#include "core/stoppable_sleep.hpp"

namespace kinesyslog::deliver {

// A definitive answer that the configuration is wrong (missing stream, not ACTIVE, access
// denied, unknown key): exit 78 with this message. A signature refused for its time (a clock
// more than 15 minutes off) is not one: SignedClient corrects it, else it is retried.
class StartupRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Not thread-safe: used by the start-up thread, then by the background thread only.
class FirehoseStartupCheck {
 public:
  // `streams`: at least one; a missing or inactive one is refused by name.
  FirehoseStartupCheck(std::vector<std::string> streams, aws::SignedClient& firehose, aws::SignedClient& sts);
  FirehoseStartupCheck(std::string stream, aws::SignedClient& firehose, aws::SignedClient& sts)
      : FirehoseStartupCheck(std::vector<std::string>{std::move(stream)}, firehose, sts) {}

  // One attempt at whatever is not known yet. True once every stream is ACTIVE and the account
  // known; false when AWS could not be reached or asked to wait (the reason in last_problem()).
  // Throws StartupRefused on a definitive answer.
  bool attempt();
  const std::string& account() const { return account_; }
  const std::string& last_problem() const { return last_problem_; }

 private:
  bool check_streams();
  bool check_stream(const std::string& stream);
  bool check_account();
  bool call_aws(const std::string& what, aws::SignedClient& client,
                const std::function<std::optional<aws::ServiceError>()>& call);

  std::vector<std::string> streams_;
  std::vector<bool> active_;  // per stream: DescribeDeliveryStream said ACTIVE
  aws::SignedClient& firehose_;
  aws::SignedClient& sts_;
  std::string account_;
  std::string last_problem_;
};

// Runs check.attempt() with capped exponential backoff on its own thread until it succeeds
// (then sets `owner`) or is refused (then calls `on_refused` with the message, on that thread).
// `jitter_seed` seeds the backoff's random spread.
class BackgroundStartupCheck {
 public:
  BackgroundStartupCheck(FirehoseStartupCheck& check, AccountIdPromise& owner,
                         std::function<void(const std::string&)> on_refused, uint64_t jitter_seed);
  ~BackgroundStartupCheck();  // stops and joins the thread
  BackgroundStartupCheck(const BackgroundStartupCheck&) = delete;
  BackgroundStartupCheck& operator=(const BackgroundStartupCheck&) = delete;

 private:
  void run(std::stop_token stop);

  FirehoseStartupCheck& check_;
  AccountIdPromise& owner_;
  std::function<void(const std::string&)> on_refused_;
  uint64_t jitter_seed_;
  StoppableSleep pause_;  // between attempts; stop() cuts it short
  std::jthread thread_;
};

}  // namespace kinesyslog::deliver
