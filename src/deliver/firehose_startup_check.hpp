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

// One destination's start-up checks, as BackgroundStartupCheck retries them.
class StartupCheck {
 public:
  virtual ~StartupCheck() = default;
  // One attempt at whatever is not known yet. True once the stream(s) take writes and the
  // account is known; false when AWS could not be reached or asked to wait (the reason in
  // last_problem()). Throws StartupRefused on a definitive answer.
  virtual bool attempt() = 0;
  virtual const std::string& account() const = 0;
  virtual const std::string& last_problem() const = 0;
};

// Runs `call` (an AWS call at start-up; nullopt when it succeeded). Only definitive answers
// stop the relay: a refusal throws StartupRefused naming `what`; throttling, 5xx, network and
// credential-source outages are appended to `last_problem` and false is returned.
bool startup_call(std::string& last_problem, const std::string& what, aws::SignedClient& client,
                  const std::function<std::optional<aws::ServiceError>()>& call);

// Not thread-safe: used by the start-up thread, then by the background thread only.
class FirehoseStartupCheck final : public StartupCheck {
 public:
  // `streams`: at least one; a missing or inactive one is refused by name.
  FirehoseStartupCheck(std::vector<std::string> streams, aws::SignedClient& firehose, aws::SignedClient& sts);
  FirehoseStartupCheck(std::string stream, aws::SignedClient& firehose, aws::SignedClient& sts)
      : FirehoseStartupCheck(std::vector<std::string>{std::move(stream)}, firehose, sts) {}

  // One attempt at whatever is not known yet. True once every stream is ACTIVE and the account
  // known; false when AWS could not be reached or asked to wait (the reason in last_problem()).
  // Throws StartupRefused on a definitive answer.
  bool attempt() override;
  const std::string& account() const override { return account_; }
  const std::string& last_problem() const override { return last_problem_; }

 private:
  bool check_streams();
  bool check_stream(const std::string& stream);
  bool check_account();

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
  BackgroundStartupCheck(StartupCheck& check, AccountIdPromise& owner,
                         std::function<void(const std::string&)> on_refused, uint64_t jitter_seed);
  ~BackgroundStartupCheck();  // stops and joins the thread
  BackgroundStartupCheck(const BackgroundStartupCheck&) = delete;
  BackgroundStartupCheck& operator=(const BackgroundStartupCheck&) = delete;

 private:
  void run(std::stop_token stop);

  StartupCheck& check_;
  AccountIdPromise& owner_;
  std::function<void(const std::string&)> on_refused_;
  uint64_t jitter_seed_;
  StoppableSleep pause_;  // between attempts; stop() cuts it short
  std::jthread thread_;
};

}  // namespace kinesyslog::deliver
