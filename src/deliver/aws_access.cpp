#include "deliver/aws_access.hpp"

#include <fmt/format.h>

#include "aws/config_error.hpp"
#include "aws/credential_chain.hpp"
#include "aws/instance_metadata.hpp"
#include "aws/shared_config.hpp"

namespace kinesyslog::deliver {

AwsAccess resolve_aws_access(const std::string& region, const std::string& profile, const Environment& environment,
                             aws::HttpTransport& credentials_transport, const Clock& clock) {
  const auto paths = aws::SharedConfigPaths::resolve(environment);
  const aws::SharedConfig shared = aws::SharedConfig::load(paths);
  const aws::Profile chosen = shared.profile(aws::resolve_profile_name(given(profile), environment));
  auto resolved = aws::resolve_region(given(region), environment, chosen);
  if (!resolved) resolved = aws::instance_region(credentials_transport, environment, clock);
  if (!resolved) {
    throw aws::AwsConfigError(fmt::format(
        "no AWS region: tried --region, AWS_REGION, AWS_DEFAULT_REGION, 'region' in profile '{}' of {} and the "
        "EC2 instance identity document; set one",
        chosen.name(), paths.config_file.string()));
  }
  auto credentials = aws::resolve_credentials(
      aws::CredentialChainContext{environment, shared, resolved->name, credentials_transport, clock}, chosen);
  return AwsAccess{std::move(*resolved), std::move(credentials)};
}

std::optional<std::string> given(const std::string& option) {
  return option.empty() ? std::nullopt : std::optional<std::string>(option);
}

aws::EndpointUrl endpoint_url(const aws::ResolvedEndpoint& resolved) {
  auto url = aws::parse_endpoint_url(resolved.url);
  if (!url) throw aws::AwsConfigError(fmt::format("{}: '{}' is not an http(s) URL", resolved.source, resolved.url));
  return *url;
}

bool is_invalid_call(const aws::ServiceError& error) {
  if (error.http_status == 413) return true;
  const bool client_error = error.http_status >= 400 && error.http_status < 500;
  return client_error && (error.code == "ValidationException" || error.code == "InvalidArgumentException");
}

namespace {

// The outcomes of a call's records, from its 200 answer.
DeliveryResult read_outcomes(std::string_view call, const aws::HttpResponse& response, aws::BatchAnswerFields fields,
                             size_t record_count) {
  auto answer = aws::parse_batch_answer(response.body, fields);
  auto* entries = std::get_if<std::vector<aws::BatchEntry>>(&answer);
  if (entries == nullptr || entries->size() != record_count) {
    const std::string problem =
        entries == nullptr ? std::get<std::string>(answer)
                           : fmt::format("{} {} entries for {} records", entries->size(), fields.entries, record_count);
    return DeliveryResult::retryable_failure(fmt::format("{}: {}: {}", call, problem, response.body.substr(0, 200)));
  }
  std::vector<RecordOutcome> outcomes;
  outcomes.reserve(record_count);
  for (aws::BatchEntry& entry : *entries) {
    outcomes.push_back(entry.accepted
                           ? RecordOutcome::accept(std::move(entry.id))
                           : RecordOutcome::reject(std::move(entry.error_code), std::move(entry.error_message)));
  }
  return DeliveryResult::delivered(std::move(outcomes));
}

// One attempt of send_record_call; `credentials_expired` asks for one more with fresh credentials.
DeliveryResult attempt_record_call(aws::SignedClient& client, std::string_view target, std::string_view call,
                                   std::string& body, std::chrono::milliseconds time_limit,
                                   aws::BatchAnswerFields answer, size_t record_count, bool& credentials_expired) {
  credentials_expired = false;
  // Fresh headers for every attempt (the credentials may have changed).
  aws::HttpRequest request = aws::json_1_1_request(target, std::move(body));
  struct BodyBack {
    std::string& to;
    std::string& from;
    ~BodyBack() { to = std::move(from); }
  } body_back{body, request.body};
  aws::HttpResponse response;
  try {
    response = client.send_in_place(request, time_limit);
  } catch (const aws::HttpTransportError& error) {
    return DeliveryResult::retryable_failure(fmt::format("{}: {}", call, error.what()));
  } catch (const std::exception& error) {
    // No credentials right now (an IMDS or STS hiccup): the chain may have them later.
    return DeliveryResult::retryable_failure(fmt::format("{}: no credentials: {}", call, error.what()));
  }
  if (response.status == 200) return read_outcomes(call, response, answer, record_count);

  const aws::ServiceError error = aws::json_service_error(response);
  const std::string text = fmt::format("{}: {}", call, error.describe());
  if (is_invalid_call(error)) return DeliveryResult::invalid_call(text);
  switch (aws::error_action(error)) {
    case aws::ErrorAction::kRetry:  // throttling of the whole call, 5xx
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kRefreshCredentialsAndRetry:
      credentials_expired = true;
      return DeliveryResult::retryable_failure(text);
    case aws::ErrorAction::kGiveUp:  // a missing stream, access denied, KMS refusals
      break;
  }
  return DeliveryResult::fatal_failure(text + "; the records stay in the spool until this is fixed");
}

}  // namespace

DeliveryResult send_record_call(aws::SignedClient& client, std::string_view target, std::string_view call,
                                std::string& body, std::chrono::milliseconds time_limit, aws::BatchAnswerFields answer,
                                size_t record_count) {
  bool credentials_expired = false;
  DeliveryResult result =
      attempt_record_call(client, target, call, body, time_limit, answer, record_count, credentials_expired);
  if (credentials_expired) {
    client.credentials().invalidate();
    result = attempt_record_call(client, target, call, body, time_limit, answer, record_count, credentials_expired);
  }
  return result;
}

}  // namespace kinesyslog::deliver
