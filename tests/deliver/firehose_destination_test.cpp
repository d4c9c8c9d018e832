#include "deliver/firehose_destination.hpp"

#include <deque>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/base64.hpp"
#include "aws/firehose_client.hpp"
#include "deliver/outgoing_records.hpp"

namespace kinesyslog::deliver {
namespace {

using ::testing::HasSubstr;

// Answers from a script; remembers every request it was given.
class ScriptedTransport final : public aws::HttpTransport {
 public:
  using Step = std::variant<aws::HttpResponse, aws::HttpTransportError>;
  aws::HttpResponse send(const aws::EndpointUrl&, const aws::HttpRequest& request,
                         const aws::HttpTimeouts& call_timeouts) override {
    requests.push_back(request);
    timeouts.push_back(call_timeouts);
    Step step = script.front();
    script.pop_front();
    if (auto* error = std::get_if<aws::HttpTransportError>(&step)) throw *error;
    return std::get<aws::HttpResponse>(step);
  }
  std::deque<Step> script;
  std::vector<aws::HttpRequest> requests;
  std::vector<aws::HttpTimeouts> timeouts;
};

class CountingCredentials final : public aws::CredentialsSource {
 public:
  aws::Credentials current() override { return {"AKID", "SECRET", "TOKEN" + std::to_string(invalidations), {}}; }
  void invalidate() override { ++invalidations; }
  int invalidations = 0;
};

aws::HttpResponse answer(long status, std::string body) { return aws::HttpResponse{status, {}, std::move(body)}; }

class FirehoseDestinationTest : public ::testing::Test {
 protected:
  ManualClock clock{WallTime{std::chrono::seconds(1'780'000'000)}};
  ScriptedTransport transport;
  CountingCredentials credentials;
  aws::SignedClient client{*aws::parse_endpoint_url("https://firehose.eu-west-1.amazonaws.com"),
                           aws::SigV4Signer("eu-west-1", "firehose"),
                           credentials,
                           transport,
                           clock,
                           {}};
  FirehoseDestination destination{"logs", client};
  std::vector<deliver::OutgoingRecord> records = testing::outgoing({"first", "second\x01\xff"});
};

TEST_F(FirehoseDestinationTest, SendsSignedPutRecordBatchWithBase64Records) {
  transport.script.push_back(
      answer(200, R"({"FailedPutCount":0,"RequestResponses":[{"RecordId":"a"},{"RecordId":"b"}]})"));
  destination.deliver(records);
  ASSERT_EQ(transport.requests.size(), 1u);
  const aws::HttpRequest& request = transport.requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/");
  EXPECT_EQ(request.header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(request.header("X-Amz-Target"), "Firehose_20150804.PutRecordBatch");
  EXPECT_EQ(request.header("Host"), "firehose.eu-west-1.amazonaws.com");
  EXPECT_EQ(request.body, R"({"DeliveryStreamName":"logs","Records":[{"Data":"Zmlyc3Q="},{"Data":"c2Vjb25kAf8="}]})");
  const auto authorization = request.header("Authorization");
  ASSERT_TRUE(authorization);
  EXPECT_THAT(std::string(*authorization), HasSubstr("/eu-west-1/firehose/aws4_request"));
  EXPECT_THAT(std::string(*authorization),
              HasSubstr("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"));
}

TEST_F(FirehoseDestinationTest, EachRequestResponseBecomesAnOutcomeInOrder) {
  transport.script.push_back(answer(200, R"({"FailedPutCount":1,"RequestResponses":[)"
                                         R"({"ErrorCode":"ServiceUnavailableException","ErrorMessage":"Slow down."},)"
                                         R"({"RecordId":"id-2"}]})"));
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.status, DeliveryResult::Status::kDelivered);
  ASSERT_EQ(result.outcomes.size(), 2u);
  EXPECT_FALSE(result.outcomes[0].accepted);
  EXPECT_EQ(result.outcomes[0].error_code, "ServiceUnavailableException");
  EXPECT_EQ(result.outcomes[0].error_message, "Slow down.");
  EXPECT_TRUE(result.outcomes[1].accepted);
  EXPECT_EQ(result.outcomes[1].record_id, "id-2");
}

TEST_F(FirehoseDestinationTest, AnEntryWithoutRecordIdOrWithAnEmptyErrorCodeIsAnUnknownError) {
  transport.script.push_back(answer(200, R"({"FailedPutCount":2,"RequestResponses":[{},{"ErrorCode":""}]})"));
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.status, DeliveryResult::Status::kDelivered);
  ASSERT_EQ(result.outcomes.size(), 2u);
  for (const RecordOutcome& outcome : result.outcomes) {
    EXPECT_FALSE(outcome.accepted);
    EXPECT_EQ(outcome.error_code, "UnknownError") << "a rejection always names a code";
  }
}

TEST_F(FirehoseDestinationTest, AnswerWithTheWrongNumberOfEntriesIsRetryable) {
  transport.script.push_back(answer(200, R"({"RequestResponses":[{"RecordId":"a"}]})"));
  EXPECT_EQ(destination.deliver(records).status, DeliveryResult::Status::kRetryableFailure);
}

TEST_F(FirehoseDestinationTest, ThrottlingAndServerErrorsAndNetworkFailuresAreRetryable) {
  transport.script.push_back(answer(400, R"({"__type":"ServiceUnavailableException","message":"Slow down."})"));
  transport.script.push_back(answer(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  transport.script.push_back(answer(400, R"({"__type":"LimitExceededException"})"));
  transport.script.push_back(answer(500, R"({"__type":"InternalFailure"})"));
  transport.script.push_back(answer(503, "<html>bad gateway</html>"));
  transport.script.push_back(aws::HttpTransportError("POST https://…: Connection refused"));
  for (int call = 0; call < 6; ++call) {
    const DeliveryResult result = destination.deliver(records);
    EXPECT_EQ(result.status, DeliveryResult::Status::kRetryableFailure) << "call " << call << ": " << result.error;
    EXPECT_THAT(result.error, HasSubstr("Firehose stream logs in eu-west-1"));
  }
}

TEST_F(FirehoseDestinationTest, ConfigurationErrorsAreFatalAndNameTheCode) {
  for (const char* code : {"ResourceNotFoundException", "AccessDeniedException", "UnrecognizedClientException",
                           "InvalidSignatureException"}) {
    transport.script.push_back(
        answer(400, std::string(R"({"__type":"com.amazonaws.firehose#)") + code + R"(","message":"no"})"));
    const DeliveryResult result = destination.deliver(records);
    EXPECT_EQ(result.status, DeliveryResult::Status::kFatalFailure) << code;
    EXPECT_THAT(result.error, HasSubstr(code));
  }
}

// The delivery loop splits such a call to find the record at fault.
TEST_F(FirehoseDestinationTest, ACallRefusedAsMalformedIsAnInvalidCall) {
  transport.script.push_back(answer(400, R"({"__type":"ValidationException","message":"1 validation error detected: )"
                                         R"(Member must have length less than or equal to 1024000"})"));
  transport.script.push_back(answer(400, R"({"__type":"InvalidArgumentException","message":"too large"})"));
  transport.script.push_back(answer(413, "<html>Request Entity Too Large</html>"));
  for (const char* expected : {"ValidationException", "InvalidArgumentException", "413"}) {
    const DeliveryResult result = destination.deliver(records);
    EXPECT_EQ(result.status, DeliveryResult::Status::kInvalidCall) << expected << ": " << result.error;
    EXPECT_THAT(result.error, HasSubstr(expected));
  }
}

TEST_F(FirehoseDestinationTest, TimeLimitShortensTheTransportTimeout) {
  transport.script.push_back(answer(200, R"({"RequestResponses":[{"RecordId":"a"},{"RecordId":"b"}]})"));
  transport.script.push_back(answer(200, R"({"RequestResponses":[{"RecordId":"a"},{"RecordId":"b"}]})"));
  destination.deliver(records, std::chrono::milliseconds(2500));
  destination.deliver(records);
  ASSERT_EQ(transport.timeouts.size(), 2u);
  EXPECT_EQ(transport.timeouts[0].total, std::chrono::milliseconds(2500));
  EXPECT_EQ(transport.timeouts[1].total, aws::HttpTimeouts{}.total) << "no limit: the client's own timeout";
}

TEST_F(FirehoseDestinationTest, ExpiredTokenRefreshesCredentialsAndRetriesAtOnce) {
  transport.script.push_back(answer(400, R"({"__type":"ExpiredTokenException","message":"expired"})"));
  transport.script.push_back(answer(200, R"({"RequestResponses":[{"RecordId":"a"},{"RecordId":"b"}]})"));
  const DeliveryResult result = destination.deliver(records);
  EXPECT_EQ(result.status, DeliveryResult::Status::kDelivered);
  EXPECT_EQ(credentials.invalidations, 1);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(transport.requests[1].header("X-Amz-Security-Token"), "TOKEN1");
  EXPECT_EQ(transport.requests[1].body, transport.requests[0].body);
}

TEST(Base64, MatchesRfc4648TestVectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    std::string out = "x";
    aws::append_base64(out, plain);
    EXPECT_EQ(out, "x" + std::string(encoded));
  }
}

TEST(StreamName, FollowsTheFirehoseModelPattern) {
  EXPECT_TRUE(aws::is_valid_stream_name("my-stream_1.logs"));
  EXPECT_FALSE(aws::is_valid_stream_name(""));
  EXPECT_FALSE(aws::is_valid_stream_name("a\"b"));
  EXPECT_FALSE(aws::is_valid_stream_name(std::string(65, 'a')));
}

}  // namespace
}  // namespace kinesyslog::deliver
