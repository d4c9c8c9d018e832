#pragma once
// Delivery to Kinesis Data Streams as `listen --kinesis-stream` sets it up: region,
// credentials and endpoints resolved as for Firehose (service `kinesis`, endpoint from
// --endpoint-url, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL or the regional default), the
// start-up checks of every stream, and one destination per stream, each with its own HTTP
// connection so that each can be called from its own delivery thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws/credentials_source.hpp"
#include "aws/curl_transport.hpp"
#include "aws/signed_client.hpp"
#include "core/account_id_promise.hpp"
#include "core/clock.hpp"
#include "core/environment.hpp"
#include "deliver/kinesis_destination.hpp"
#include "deliver/kinesis_startup_check.hpp"

namespace kinesyslog::deliver {

// What `listen` says about Kinesis; an empty string is "not given".
struct KinesisSettings {
  std::vector<std::string> streams;  // --kinesis-stream, at least one
  std::string region;                // --region
  std::string profile;               // --profile
  std::string endpoint_url;          // --endpoint-url
};

class KinesisDelivery {
 public:
  // As FirehoseDelivery: aws::AwsConfigError when the settings cannot be resolved,
  // StartupRefused on a definitive answer (a missing stream), and a relay that starts anyway,
  // with the account unknown, when AWS cannot be reached.
  KinesisDelivery(const KinesisSettings& settings, const Environment& environment, const Clock& clock,
                  uint64_t jitter_seed);
  ~KinesisDelivery();
  KinesisDelivery(const KinesisDelivery&) = delete;
  KinesisDelivery& operator=(const KinesisDelivery&) = delete;

  // One per stream, in the order given; each is called from one delivery thread.
  std::vector<Destination*> destinations() const;
  std::shared_ptr<AccountIdPromise> owner() const { return owner_; }
  void continue_in_background(std::function<void(const std::string&)> on_refused);
  void end_calls_at(SteadyTime deadline);

 private:
  // One stream's own connection, client and destination.
  struct StreamDelivery {
    aws::CurlTransport transport;
    std::unique_ptr<aws::SignedClient> client;
    std::unique_ptr<KinesisDestination> destination;
  };

  aws::CurlTransport credentials_transport_;  // STS/IMDS/ECS calls for credentials, serialised by the cache
  std::unique_ptr<aws::CredentialsSource> credentials_;
  std::vector<std::unique_ptr<StreamDelivery>> streams_;
  aws::CurlTransport startup_transport_;  // the start-up checks' own
  std::unique_ptr<aws::SignedClient> startup_kinesis_client_;
  std::unique_ptr<aws::SignedClient> sts_client_;
  std::unique_ptr<KinesisStartupCheck> startup_check_;
  std::shared_ptr<AccountIdPromise> owner_ = std::make_shared<AccountIdPromise>();
  uint64_t jitter_seed_;
  bool ready_ = false;
  std::unique_ptr<BackgroundStartupCheck> background_;
};

}  // namespace kinesyslog::deliver
