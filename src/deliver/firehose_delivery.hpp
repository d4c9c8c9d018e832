#pragma once
// Delivery to Firehose as `listen --stream` sets it up (docs/behaviour.md §5.1): region, credentials and
// endpoints resolved from the settings and environment, the start-up checks of every stream,
// and one destination per stream, each with its own connection for its own delivery thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials_source.hpp"
#include "aws/curl_transport.hpp"
#include "aws/signed_client.hpp"
#include "core/account_id_promise.hpp"
#include "core/clock.hpp"
#include "core/environment.hpp"
#include "deliver/firehose_destination.hpp"
#include "deliver/firehose_startup_check.hpp"

namespace kinesyslog::deliver {

// What `listen` says about Firehose; an empty string is "not given" (the environment, the
// shared config or the instance decides).
struct FirehoseSettings {
  std::vector<std::string> streams;  // --stream, at least one
  std::string region;        // --region
  std::string profile;       // --profile
  std::string endpoint_url;  // --endpoint-url
};

class FirehoseDelivery {
 public:
  // Resolves region, credentials and endpoints (aws::AwsConfigError naming what was tried) and
  // makes the first start-up attempt: StartupRefused on a definitive answer. When AWS cannot be
  // reached the object is still made, with the account unknown (see continue_in_background).
  // `jitter_seed` seeds the background retries' random spread.
  FirehoseDelivery(const FirehoseSettings& settings, const Environment& environment, const Clock& clock,
                   uint64_t jitter_seed);
  ~FirehoseDelivery();
  FirehoseDelivery(const FirehoseDelivery&) = delete;
  FirehoseDelivery& operator=(const FirehoseDelivery&) = delete;

  // One per stream, in the order of FirehoseSettings::streams.
  std::vector<deliver::Destination*> destinations() const;
  // For RelayConfig::owner: known already, or once the background checks succeed.
  std::shared_ptr<AccountIdPromise> owner() const { return owner_; }
  // Once the relay listens: when the first attempt could not reach AWS, keep trying in the
  // background; a later definitive answer calls `on_refused` (on that thread) with the message.
  void continue_in_background(std::function<void(const std::string&)> on_refused);
  // Shutdown (any thread): no AWS call of this process lasts past `deadline`, so neither the
  // delivery drain nor the background checks can hold the exit back.
  void end_calls_at(SteadyTime deadline);

 private:
  aws::CurlTransport credentials_transport_;  // STS/IMDS/ECS calls for credentials, serialised by the cache
  std::unique_ptr<aws::CredentialsSource> credentials_;
  // What one stream's delivery thread calls through: its own connection (a CurlTransport is single-threaded).
  struct StreamDelivery {
    std::unique_ptr<aws::CurlTransport> transport;
    std::unique_ptr<aws::SignedClient> client;
    std::unique_ptr<FirehoseDestination> destination;
  };
  aws::CurlTransport startup_transport_;  // the start-up checks' own
  std::vector<StreamDelivery> streams_;
  std::unique_ptr<aws::SignedClient> startup_firehose_client_;
  std::unique_ptr<aws::SignedClient> sts_client_;
  std::unique_ptr<FirehoseStartupCheck> startup_check_;
  std::shared_ptr<AccountIdPromise> owner_ = std::make_shared<AccountIdPromise>();
  uint64_t jitter_seed_;
  bool ready_ = false;
  std::unique_ptr<BackgroundStartupCheck> background_;
};

}  // namespace kinesyslog::deliver
