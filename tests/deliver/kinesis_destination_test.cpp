#include "deliver/kinesis_destination.hpp"

#include <deque>
#include <string>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "deliver/kinesis_startup_check.hpp"
#include "deliver/outgoing_records.hpp"
#include "support/static_credentials_source.hpp"

namespace kinesyslog::deliver {
namespace {

using ::testing::HasSubstr;

// Answers from a script; remembers every request it was given.
class KinesisScriptedTransport final : public aws::HttpTransport {
 public:
  using Step = std::variant<aws::HttpResponse, aws::HttpTransportError>;
  aws::HttpResponse send(const aws::EndpointUrl&, const aws::HttpRequest& request, const aws::HttpTimeouts&) override {
    requests.push_back(request);
    Step step = script.front();
    script.pop_front();
    if (auto* error = std::get_if<aws::HttpTransportError>(&step)) throw *error;
    return std::get<aws::HttpResponse>(step);
  }
  std::deque<Step> script;
  std::vector<aws::HttpRequest> requests;
};

aws::HttpResponse kinesis_answer(long status, std::string body) {
  return aws::HttpResponse{status, {}, std::move(body)};
}

class KinesisDestinationTest : public ::testing::Test {
 protected:
  ManualClock clock{WallTime{std::chrono::seconds(1'780'000'000)}};
  KinesisScriptedTransport transport;
  aws::StaticCredentialsSource credentials{aws::Credentials{"AKID", "SECRET", {}, {}}};
  aws::ClockSkew skew;
  aws::SignedClient client{*aws::parse_endpoint_url("https://kinesis.eu-west-1.amazonaws.com"),
                           aws::SigV4Signer("eu-west-1", "kinesis"),
                           credentials,
                           transport,
                           clock,
                           {},
                           skew};
  KinesisDestination destination{"logs", client};
  std::vector<OutgoingRecord> records{{"first", "10.0.0.1"}, {"second\x01\xff", "2001:db8::1"}};
};

TEST_F(KinesisDestinationTest, SendsSignedPutRecordsWithDataAndPartitionKeys) {
  transport.script.push_back(kinesis_answer(200, R"({"FailedRecordCount":0,"Records":[)"
                                                 R"({"SequenceNumber":"1","ShardId":"shardId-000000000000"},)"
                                                 R"({"SequenceNumber":"2","ShardId":"shardId-000000000001"}]})"));
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.status, DeliveryResult::Status::kDelivered) << result.error;
  ASSERT_EQ(transport.requests.size(), 1u);
  const aws::HttpRequest& request = transport.requests[0];
  EXPECT_EQ(request.header("X-Amz-Target"), "Kinesis_20131202.PutRecords");
  EXPECT_EQ(request.header("Host"), "kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(request.body, R"({"StreamName":"logs","Records":[{"Data":"Zmlyc3Q=","PartitionKey":"10.0.0.1"},)"
                          R"({"Data":"c2Vjb25kAf8=","PartitionKey":"2001:db8::1"}]})");
  EXPECT_THAT(std::string(request.header("Authorization").value_or("")), HasSubstr("/eu-west-1/kinesis/aws4_request"));
  EXPECT_EQ(result.outcomes[1].record_id, "2") << "the sequence number identifies the record";
}

// A record refused in the answer stays in the spool; the delivery loop retries it with backoff.
TEST_F(KinesisDestinationTest, RecordsRefusedInTheAnswerAreRejectedOutcomesInOrder) {
  transport.script.push_back(
      kinesis_answer(200, R"({"FailedRecordCount":1,"Records":[{"ErrorCode":)"
                          R"("ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"},)"
                          R"({"SequenceNumber":"7","ShardId":"shardId-000000000001"}]})"));
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.status, DeliveryResult::Status::kDelivered);
  ASSERT_EQ(result.outcomes.size(), 2u);
  EXPECT_FALSE(result.outcomes[0].accepted);
  EXPECT_EQ(result.outcomes[0].error_code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(result.outcomes[0].error_message, "Rate exceeded");
  EXPECT_TRUE(result.outcomes[1].accepted);
}

TEST_F(KinesisDestinationTest, AnAnswerWithoutOneEntryPerRecordIsRetryable) {
  transport.script.push_back(kinesis_answer(200, R"({"Records":[{"SequenceNumber":"1","ShardId":"s"}]})"));
  transport.script.push_back(kinesis_answer(200, "not json"));
  EXPECT_EQ(destination.deliver(records).status, DeliveryResult::Status::kRetryableFailure);
  EXPECT_EQ(destination.deliver(records).status, DeliveryResult::Status::kRetryableFailure);
}

TEST_F(KinesisDestinationTest, ThrottledOrFailedCallsAreRetryable) {
  transport.script.push_back(
      kinesis_answer(400, R"({"__type":"ProvisionedThroughputExceededException","message":"Rate"})"));
  transport.script.push_back(kinesis_answer(400, R"({"__type":"KMSThrottlingException"})"));
  transport.script.push_back(kinesis_answer(500, R"({"__type":"InternalFailure"})"));
  transport.script.push_back(aws::HttpTransportError("POST https://…: Connection refused"));
  for (int call = 0; call < 4; ++call) {
    const DeliveryResult result = destination.deliver(records);
    EXPECT_EQ(result.status, DeliveryResult::Status::kRetryableFailure) << call << ": " << result.error;
    EXPECT_THAT(result.error, HasSubstr("Kinesis stream logs in eu-west-1"));
  }
}

TEST_F(KinesisDestinationTest, MissingStreamAndDeniedAccessAreFatal) {
  for (const char* code : {"ResourceNotFoundException", "AccessDeniedException", "KMSAccessDeniedException"}) {
    transport.script.push_back(kinesis_answer(400, std::string(R"({"__type":")") + code + R"(","message":"no"})"));
    const DeliveryResult result = destination.deliver(records);
    EXPECT_EQ(result.status, DeliveryResult::Status::kFatalFailure) << code;
    EXPECT_THAT(result.error, HasSubstr(code));
  }
}

TEST_F(KinesisDestinationTest, ARecordOverOneMebibyteWithItsKeyIsAnInvalidCallWithoutSending) {
  const std::string data(1024 * 1024 - 8, 'x');
  const std::vector<OutgoingRecord> fits{{data, "12345678"}};
  const std::vector<OutgoingRecord> too_large{{data, "123456789"}};
  EXPECT_EQ(destination.deliver(too_large).status, DeliveryResult::Status::kInvalidCall);
  EXPECT_TRUE(transport.requests.empty());
  transport.script.push_back(kinesis_answer(200, R"({"Records":[{"SequenceNumber":"1","ShardId":"s"}]})"));
  EXPECT_EQ(destination.deliver(fits).status, DeliveryResult::Status::kDelivered);
}

TEST_F(KinesisDestinationTest, CallsRefusedAsMalformedAreInvalidCalls) {
  transport.script.push_back(
      kinesis_answer(400, R"({"__type":"InvalidArgumentException","message":"Records size exceeds"})"));
  transport.script.push_back(kinesis_answer(400, R"({"__type":"ValidationException","message":"1 validation error"})"));
  EXPECT_EQ(destination.deliver(records).status, DeliveryResult::Status::kInvalidCall);
  EXPECT_EQ(destination.deliver(records).status, DeliveryResult::Status::kInvalidCall);
}

TEST_F(KinesisDestinationTest, EmptyAndLongPartitionKeysAreMadeValid) {
  const std::string long_key(300, 'k');
  const std::vector<OutgoingRecord> odd{{"a", ""}, {"b", long_key}};
  transport.script.push_back(kinesis_answer(200, R"({"Records":[{"SequenceNumber":"1"},{"SequenceNumber":"2"}]})"));
  destination.deliver(odd);
  EXPECT_THAT(transport.requests[0].body, HasSubstr(R"("PartitionKey":"-")"));
  EXPECT_THAT(transport.requests[0].body, HasSubstr(R"("PartitionKey":")" + std::string(256, 'k') + "\""));
}

// Answers DescribeStreamSummary per stream name, and STS GetCallerIdentity.
class StreamsAndSts final : public aws::HttpTransport {
 public:
  aws::HttpResponse send(const aws::EndpointUrl&, const aws::HttpRequest& request, const aws::HttpTimeouts&) override {
    if (!request.header("X-Amz-Target")) {
      return kinesis_answer(200,
                            "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
                            "</GetCallerIdentityResult></GetCallerIdentityResponse>");
    }
    for (const auto& [name, reply] : streams) {
      if (request.body.find("\"" + name + "\"") != std::string::npos) return reply;
    }
    return kinesis_answer(400,
                          R"({"__type":"ResourceNotFoundException","message":"Stream x under account 1 not found."})");
  }
  std::vector<std::pair<std::string, aws::HttpResponse>> streams;
};

aws::HttpResponse kinesis_stream_is(const std::string& status) {
  return kinesis_answer(200, R"({"StreamDescriptionSummary":{"StreamStatus":")" + status + R"("}})");
}

class KinesisStartupCheckTest : public ::testing::Test {
 protected:
  KinesisStartupCheck check_of(std::vector<std::string> names) {
    return KinesisStartupCheck(std::move(names), kinesis, sts);
  }
  ManualClock clock{WallTime{std::chrono::seconds(1'780'000'000)}};
  StreamsAndSts transport;
  aws::StaticCredentialsSource credentials{aws::Credentials{"AKID", "SECRET", {}, {}}};
  aws::ClockSkew skew;
  aws::SignedClient kinesis{*aws::parse_endpoint_url("https://kinesis.us-east-1.amazonaws.com"),
                            aws::SigV4Signer("us-east-1", "kinesis"),
                            credentials,
                            transport,
                            clock,
                            {},
                            skew};
  aws::SignedClient sts{*aws::parse_endpoint_url("https://sts.us-east-1.amazonaws.com"),
                        aws::SigV4Signer("us-east-1", "sts"),
                        credentials,
                        transport,
                        clock,
                        {},
                        skew};
};

TEST_F(KinesisStartupCheckTest, ActiveAndUpdatingStreamsAreReady) {
  transport.streams = {{"a", kinesis_stream_is("ACTIVE")}, {"b", kinesis_stream_is("UPDATING")}};
  KinesisStartupCheck check = check_of({"a", "b"});
  EXPECT_TRUE(check.attempt());
  EXPECT_EQ(check.account(), "123456789012");
}

TEST_F(KinesisStartupCheckTest, MissingOrCreatingStreamsAreRefusedByName) {
  transport.streams = {{"a", kinesis_stream_is("ACTIVE")},
                       {"new", kinesis_stream_is("CREATING")},
                       {"old", kinesis_stream_is("DELETING")}};
  for (const char* name : {"gone", "new", "old"}) {
    KinesisStartupCheck check = check_of({"a", name});
    try {
      check.attempt();
      ADD_FAILURE() << name << ": expected a refusal";
    } catch (const StartupRefused& refused) {
      EXPECT_THAT(refused.what(), HasSubstr(std::string("Kinesis stream ") + name));
    }
  }
}

TEST_F(KinesisStartupCheckTest, ThrottledDescribeIsAProblemForLaterNotARefusal) {
  transport.streams = {{"a", kinesis_answer(400, R"({"__type":"LimitExceededException","message":"Rate exceeded"})")}};
  KinesisStartupCheck check = check_of({"a"});
  EXPECT_FALSE(check.attempt());
  EXPECT_THAT(check.last_problem(), HasSubstr("LimitExceededException"));
  transport.streams = {{"a", kinesis_stream_is("ACTIVE")}};
  EXPECT_TRUE(check.attempt());
}

}  // namespace
}  // namespace kinesyslog::deliver
