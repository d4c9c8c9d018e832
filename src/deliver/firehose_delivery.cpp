#include "deliver/firehose_delivery.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "aws/config_error.hpp"
#include "aws/endpoints.hpp"
#include "aws/firehose_client.hpp"
#include "deliver/aws_access.hpp"

namespace kinesyslog::deliver {

FirehoseDelivery::FirehoseDelivery(const FirehoseSettings& settings, const Environment& environment, const Clock& clock,
                                   uint64_t jitter_seed)
    : jitter_seed_(jitter_seed) {
  if (settings.streams.empty()) throw aws::AwsConfigError("--stream: no Firehose stream given");
  for (const std::string& stream : settings.streams) {
    if (!aws::is_valid_stream_name(stream)) {
      throw aws::AwsConfigError(
          fmt::format("--stream '{}': a Firehose stream name is 1-64 of a-z A-Z 0-9 _ . -", stream));
    }
  }
  const std::string names = fmt::format("{}", fmt::join(settings.streams, ", "));
  AwsAccess access = resolve_aws_access(settings.region, settings.profile, environment, credentials_transport_, clock);
  credentials_ = std::move(access.credentials);
  const aws::ResolvedRegion& region = access.region;
  const auto firehose = aws::resolve_endpoint(aws::kFirehose, region.name, given(settings.endpoint_url), environment);
  const auto sts = aws::resolve_endpoint(aws::kSts, region.name, std::nullopt, environment);
  spdlog::info("Firehose {} {} in {} (region from {}), endpoint {} ({}), STS {} ({})",
               settings.streams.size() == 1 ? "stream" : "streams", names, region.name, region.source, firehose.url,
               firehose.source, sts.url, sts.source);

  const aws::SigV4Signer firehose_signer(region.name, "firehose");
  startup_firehose_client_ = std::make_unique<aws::SignedClient>(endpoint_url(firehose), firehose_signer, *credentials_,
                                                                 startup_transport_, clock, kStartupTimeouts);
  sts_client_ = std::make_unique<aws::SignedClient>(endpoint_url(sts), aws::SigV4Signer(region.name, "sts"),
                                                    *credentials_, startup_transport_, clock, kStartupTimeouts);
  for (const std::string& stream : settings.streams) {
    StreamDelivery delivery;
    delivery.transport = std::make_unique<aws::CurlTransport>();
    delivery.client = std::make_unique<aws::SignedClient>(endpoint_url(firehose), firehose_signer, *credentials_,
                                                          *delivery.transport, clock, kDeliveryTimeouts);
    delivery.destination = std::make_unique<FirehoseDestination>(stream, *delivery.client);
    streams_.push_back(std::move(delivery));
  }
  startup_check_ = std::make_unique<FirehoseStartupCheck>(settings.streams, *startup_firehose_client_, *sts_client_);

  ready_ = startup_check_->attempt();  // StartupRefused goes to the caller: exit 78
  if (ready_) {
    spdlog::info("Firehose {} ACTIVE; AWS account {}", names, startup_check_->account());
    owner_->set(startup_check_->account());
  } else {
    spdlog::warn(
        "AWS is unreachable at start ({}); listening anyway: records wait until the stream and the "
        "account are confirmed",
        startup_check_->last_problem());
  }
}

FirehoseDelivery::~FirehoseDelivery() = default;

std::vector<deliver::Destination*> FirehoseDelivery::destinations() const {
  std::vector<deliver::Destination*> destinations;
  for (const StreamDelivery& stream : streams_) destinations.push_back(stream.destination.get());
  return destinations;
}

void FirehoseDelivery::end_calls_at(SteadyTime deadline) {
  credentials_transport_.end_calls_at(deadline);
  for (StreamDelivery& stream : streams_) stream.transport->end_calls_at(deadline);
  startup_transport_.end_calls_at(deadline);
}

void FirehoseDelivery::continue_in_background(std::function<void(const std::string&)> on_refused) {
  if (ready_ || background_) return;
  background_ = std::make_unique<BackgroundStartupCheck>(*startup_check_, *owner_, std::move(on_refused), jitter_seed_);
}

}  // namespace kinesyslog::deliver
