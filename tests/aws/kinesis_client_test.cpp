#include "aws/kinesis_client.hpp"

#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "aws/iso8601.hpp"
#include "fake_environment.hpp"
#include "scripted_transport.hpp"

namespace kinesyslog::aws {
namespace {

using testing::fake_environment;
using testing::ScriptedTransport;

class FixedCredentials final : public CredentialsSource {
 public:
  Credentials current() override { return {"AKIDEXAMPLE", "secret", "", std::nullopt}; }
  void invalidate() override {}
};

class KinesisClientTest : public ::testing::Test {
 protected:
  ScriptedTransport transport_;
  FixedCredentials credentials_;
  ManualClock clock_{*parse_iso8601("2026-11-30T12:00:00Z")};
  ClockSkew skew_;
  SignedClient client_{*parse_endpoint_url("https://kinesis.eu-west-1.amazonaws.com"),
                       SigV4Signer("eu-west-1", "kinesis"),
                       credentials_,
                       transport_,
                       clock_,
                       {},
                       skew_};
};

TEST(KinesisStreamName, FollowsTheKinesisModelPattern) {
  EXPECT_TRUE(is_valid_kinesis_stream_name("syslog.fleet-1_a"));
  EXPECT_TRUE(is_valid_kinesis_stream_name(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_kinesis_stream_name(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_kinesis_stream_name(""));
  EXPECT_FALSE(is_valid_kinesis_stream_name("a b"));
  EXPECT_FALSE(is_valid_kinesis_stream_name("a\"b"));
}

TEST(KinesisPartitionKey, KeepsShortKeysAndCutsAt256Characters) {
  EXPECT_EQ(kinesis_partition_key("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(kinesis_partition_key(""), "-");
  const std::string ascii(300, 'k');
  EXPECT_EQ(kinesis_partition_key(ascii), std::string(256, 'k'));
  // 255 ASCII characters then two 2-byte characters: the first is kept whole, the second dropped.
  const std::string mixed = std::string(255, 'k') + "\xc3\xa9\xc3\xa9";
  EXPECT_EQ(kinesis_partition_key(mixed), std::string(255, 'k') + "\xc3\xa9");
}

TEST(KinesisPutRecords, BodyCarriesBase64DataAndEscapedPartitionKeys) {
  const KinesisRecord records[] = {{"foo", "10.0.0.1"}, {std::string_view("\x00\xff", 2), "a\"b"}};
  std::string body = "left over";
  put_records_body(body, "logs", records);
  EXPECT_EQ(body, R"({"StreamName":"logs","Records":[{"Data":"Zm9v","PartitionKey":"10.0.0.1"},)"
                  R"({"Data":"AP8=","PartitionKey":"a\"b"}]})");
}

TEST(KinesisStreamStatus, ActiveAndUpdatingStreamsTakeWrites) {
  EXPECT_TRUE(kinesis_stream_accepts_writes("ACTIVE"));
  EXPECT_TRUE(kinesis_stream_accepts_writes("UPDATING"));
  EXPECT_FALSE(kinesis_stream_accepts_writes("CREATING"));
  EXPECT_FALSE(kinesis_stream_accepts_writes("DELETING"));
}

TEST_F(KinesisClientTest, DescribeStreamSummaryIsASignedJsonCallForServiceKinesis) {
  transport_.expect(
      "POST", "/", 200,
      R"({"StreamDescriptionSummary":{"StreamName":"logs","StreamStatus":"UPDATING","OpenShardCount":2}})");
  const auto answer = describe_stream_summary(client_, "logs");
  ASSERT_TRUE(std::holds_alternative<KinesisStreamStatus>(answer));
  EXPECT_EQ(std::get<KinesisStreamStatus>(answer).status, "UPDATING");
  ASSERT_EQ(transport_.sent.size(), 1u);
  const HttpRequest& request = transport_.sent[0].request;
  EXPECT_EQ(request.header("X-Amz-Target"), "Kinesis_20131202.DescribeStreamSummary");
  EXPECT_EQ(request.header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(request.body, R"({"StreamName":"logs"})");
  const std::string authorization(request.header("Authorization").value_or(""));
  EXPECT_NE(authorization.find("/20261130/eu-west-1/kinesis/aws4_request"), std::string::npos) << authorization;
}

TEST_F(KinesisClientTest, MissingStreamIsAServiceError) {
  transport_.expect("POST", "/", 400,
                    R"({"__type":"ResourceNotFoundException","message":"Stream logs under account 1 not found."})");
  const auto answer = describe_stream_summary(client_, "logs");
  ASSERT_TRUE(std::holds_alternative<ServiceError>(answer));
  EXPECT_EQ(std::get<ServiceError>(answer).code, "ResourceNotFoundException");
}

TEST_F(KinesisClientTest, AnswerWithoutStatusIsMalformed) {
  transport_.expect("POST", "/", 200, R"({"StreamDescriptionSummary":{}})");
  const auto answer = describe_stream_summary(client_, "logs");
  ASSERT_TRUE(std::holds_alternative<ServiceError>(answer));
  EXPECT_EQ(std::get<ServiceError>(answer).code, "MalformedAnswer");
}

TEST(KinesisEndpoint, KinesisVariableThenGlobalVariableThenTheRegionalDefault) {
  EXPECT_EQ(default_endpoint(kKinesis, "eu-west-1"), "https://kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(default_endpoint(kKinesis, "cn-north-1"), "https://kinesis.cn-north-1.amazonaws.com.cn");
  const auto both = fake_environment({{"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"},
                                      {"AWS_ENDPOINT_URL_FIREHOSE", "http://127.0.0.1:1"},
                                      {"AWS_ENDPOINT_URL", "http://127.0.0.1:2"}});
  EXPECT_EQ(resolve_endpoint(kKinesis, "eu-west-1", std::nullopt, both).url, "http://127.0.0.1:4567");
  EXPECT_EQ(resolve_endpoint(kKinesis, "eu-west-1", std::nullopt, both).source, "AWS_ENDPOINT_URL_KINESIS");
  const auto global = fake_environment(
      {{"AWS_ENDPOINT_URL_FIREHOSE", "http://127.0.0.1:1"}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:2"}});
  EXPECT_EQ(resolve_endpoint(kKinesis, "eu-west-1", std::nullopt, global).url, "http://127.0.0.1:2");
  EXPECT_EQ(resolve_endpoint(kKinesis, "eu-west-1", std::nullopt, fake_environment({})).url,
            "https://kinesis.eu-west-1.amazonaws.com");
}

}  // namespace
}  // namespace kinesyslog::aws
