#pragma once
// What the Firehose and the Kinesis Data Streams deliveries share: region and credentials
// found the way the AWS CLI finds them (--region/--profile, the environment, the shared
// config files, the EC2 instance), the endpoint URL check, the HTTP timeouts, which
// refusals of a whole call mean "malformed" (the delivery loop then splits the call), and
// how one call carrying records is sent and its failure sorted.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "aws/batch_answer.hpp"
#include "aws/credentials_source.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_transport.hpp"
#include "aws/region.hpp"
#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"
#include "core/clock.hpp"
#include "core/environment.hpp"
#include "deliver/destination.hpp"

namespace kinesyslog::deliver {

// Start-up calls must not hold the listeners back long when AWS is slow.
inline constexpr aws::HttpTimeouts kStartupTimeouts{std::chrono::seconds(5), std::chrono::seconds(15)};
inline constexpr aws::HttpTimeouts kDeliveryTimeouts{std::chrono::seconds(5), std::chrono::seconds(60)};

struct AwsAccess {
  aws::ResolvedRegion region;
  std::unique_ptr<aws::CredentialsSource> credentials;
};

// `region`, `profile`: the options, empty when not given. `credentials_transport` carries the
// calls credentials need (STS, IMDS, ECS) and must outlive the credentials. Throws
// aws::AwsConfigError when no region is found or the configuration cannot be read.
AwsAccess resolve_aws_access(const std::string& region, const std::string& profile, const Environment& environment,
                             aws::HttpTransport& credentials_transport, const Clock& clock);

// The option's text, or nullopt when it was not given (empty).
std::optional<std::string> given(const std::string& option);

// Throws aws::AwsConfigError naming where the URL came from when it is not http(s).
aws::EndpointUrl endpoint_url(const aws::ResolvedEndpoint& resolved);

// PutRecordBatch and PutRecords refuse a whole call as malformed with these (a record over the
// record limit: ValidationException; a call over the call limit: InvalidArgumentException; 413
// from a proxy). Firehose also answers InvalidArgumentException to calls the stream refuses
// whatever they hold (a stream with a Kinesis source): splitting the call tells the two apart.
bool is_invalid_call(const aws::ServiceError& error);

// Sends one JSON 1.1 call (`target`, e.g. "Firehose_20150804.PutRecordBatch") whose body the
// caller built in `body`, through `client`, and sorts a failure: a transport error or missing
// credentials is retryable, a malformed call invalid, the rest as aws::error_action says. After
// ExpiredTokenException it fetches fresh credentials and sends the same body once more straight
// away. `body`'s buffer is back in `body` however the call ends, so the next call reuses it.
// `call` names the call in messages ("PutRecordBatch to Firehose stream logs in us-east-1").
// A 200 answer (read with `answer`) gives one outcome per record of the `record_count` sent; one
// that does not is retryable: some records may have been written, and sending them all again
// can duplicate, never lose.
DeliveryResult send_record_call(aws::SignedClient& client, std::string_view target, std::string_view call,
                                std::string& body, std::chrono::milliseconds time_limit, aws::BatchAnswerFields answer,
                                size_t record_count);

}  // namespace kinesyslog::deliver
