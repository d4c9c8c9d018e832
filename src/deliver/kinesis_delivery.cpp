#include "deliver/kinesis_delivery.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "aws/config_error.hpp"
#include "aws/endpoints.hpp"
#include "aws/kinesis_client.hpp"
#include "deliver/aws_access.hpp"

namespace kinesyslog::deliver {

KinesisDelivery::KinesisDelivery(const KinesisSettings& settings, const Environment& environment, const Clock& clock,
                                 uint64_t jitter_seed)
    : jitter_seed_(jitter_seed) {
  if (settings.streams.empty()) throw aws::AwsConfigError("--kinesis-stream: no stream given");
  for (const std::string& stream : settings.streams) {
    if (!aws::is_valid_kinesis_stream_name(stream)) {
      throw aws::AwsConfigError(
          fmt::format("--kinesis-stream '{}': a Kinesis stream name is 1-128 of a-z A-Z 0-9 _ . -", stream));
    }
  }
  AwsAccess access = resolve_aws_access(settings.region, settings.profile, environment, credentials_transport_, clock);
  credentials_ = std::move(access.credentials);
  const aws::ResolvedRegion& region = access.region;
  const auto kinesis = aws::resolve_endpoint(aws::kKinesis, region.name, given(settings.endpoint_url), environment);
  const auto sts = aws::resolve_endpoint(aws::kSts, region.name, std::nullopt, environment);
  spdlog::info("Kinesis streams {} in {} (region from {}), endpoint {} ({}), STS {} ({})",
               fmt::join(settings.streams, ", "), region.name, region.source, kinesis.url, kinesis.source, sts.url,
               sts.source);

  const aws::SigV4Signer kinesis_signer(region.name, "kinesis");
  for (const std::string& stream : settings.streams) {
    auto& delivery = *streams_.emplace_back(std::make_unique<StreamDelivery>());
    delivery.client = std::make_unique<aws::SignedClient>(endpoint_url(kinesis), kinesis_signer, *credentials_,
                                                          delivery.transport, clock, kDeliveryTimeouts);
    delivery.destination = std::make_unique<KinesisDestination>(stream, *delivery.client);
  }
  startup_kinesis_client_ = std::make_unique<aws::SignedClient>(endpoint_url(kinesis), kinesis_signer, *credentials_,
                                                                startup_transport_, clock, kStartupTimeouts);
  sts_client_ = std::make_unique<aws::SignedClient>(endpoint_url(sts), aws::SigV4Signer(region.name, "sts"),
                                                    *credentials_, startup_transport_, clock, kStartupTimeouts);
  startup_check_ = std::make_unique<KinesisStartupCheck>(settings.streams, *startup_kinesis_client_, *sts_client_);

  ready_ = startup_check_->attempt();  // StartupRefused goes to the caller: exit 78
  if (ready_) {
    spdlog::info("Kinesis streams {} take writes; AWS account {}", fmt::join(settings.streams, ", "),
                 startup_check_->account());
    owner_->set(startup_check_->account());
  } else {
    spdlog::warn(
        "AWS is unreachable at start ({}); listening anyway: records wait until the streams and the "
        "account are confirmed",
        startup_check_->last_problem());
  }
}

KinesisDelivery::~KinesisDelivery() = default;

std::vector<Destination*> KinesisDelivery::destinations() const {
  std::vector<Destination*> destinations;
  for (const auto& stream : streams_) destinations.push_back(stream->destination.get());
  return destinations;
}

void KinesisDelivery::end_calls_at(SteadyTime deadline) {
  credentials_transport_.end_calls_at(deadline);
  for (const auto& stream : streams_) stream->transport.end_calls_at(deadline);
  startup_transport_.end_calls_at(deadline);
}

void KinesisDelivery::continue_in_background(std::function<void(const std::string&)> on_refused) {
  if (ready_ || background_) return;
  background_ = std::make_unique<BackgroundStartupCheck>(*startup_check_, *owner_, std::move(on_refused), jitter_seed_);
}

}  // namespace kinesyslog::deliver
