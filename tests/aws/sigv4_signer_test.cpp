#include "aws/sigv4_signer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "aws/uri_encoding.hpp"

namespace kinesyslog::aws {
namespace {

using namespace std::chrono;

const WallTime kMarchFirst = sys_days{year{2026} / March / 1} + hours{9} + minutes{5} + seconds{7};

Credentials example_credentials(std::string session_token = {}) {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(session_token), std::nullopt};
}

HttpRequest put_record_batch(std::string host = "firehose.eu-west-1.amazonaws.com") {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "Firehose_20150804.PutRecordBatch"},
                     {"User-Agent", "kinesyslog/0.1"},
                     {"Host", std::move(host)}};
  request.body = R"({"DeliveryStreamName":"logs","Records":[{"Data":"SGVsbG8="}]})";
  return request;
}

// Expected values computed with botocore 1.29's SigV4Auth (service "firehose", region eu-west-1) on
// the same request at 20260301T090507Z: its canonical request, headers and signature.
TEST(SigV4Firehose, SignatureMatchesBotocore) {
  HttpRequest request = put_record_batch();
  const auto signature = SigV4Signer("eu-west-1", "firehose").sign(request, example_credentials(), kMarchFirst);
  EXPECT_EQ(signature.canonical_request,
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:firehose.eu-west-1.amazonaws.com\n"
            "x-amz-date:20260301T090507Z\nx-amz-target:Firehose_20150804.PutRecordBatch\n\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "8872062e57ea07a082456d24cfe7916b894ce7b047c334a1762547cdbb964fea");
  EXPECT_EQ(request.header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/eu-west-1/firehose/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=4630fa8d00a934ea5b188c9498f57007a20fc99a21d2fdbedb21308db9896409");
}

TEST(SigV4Firehose, SessionTokenIsSignedLikeBotocore) {
  HttpRequest request = put_record_batch();
  SigV4Signer("eu-west-1", "firehose").sign(request, example_credentials("FQoGZXIvYXdzEXAMPLETOKEN"), kMarchFirst);
  EXPECT_EQ(request.header("X-Amz-Security-Token"), "FQoGZXIvYXdzEXAMPLETOKEN");
  EXPECT_EQ(request.header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/eu-west-1/firehose/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
            "Signature=bcadd162736087d2a6743765d7963e515d6071977c1264418e5b95dae9fed52b");
}

TEST(SigV4Firehose, NoContentSha256HeaderIsAdded) {
  HttpRequest request = put_record_batch();
  SigV4Signer("eu-west-1", "firehose").sign(request, example_credentials(), kMarchFirst);
  EXPECT_FALSE(request.header("x-amz-content-sha256").has_value());
}

TEST(SigV4Signer, UserAgentIsLeftUnsigned) {
  HttpRequest with_agent = put_record_batch();
  HttpRequest without_agent = put_record_batch();
  without_agent.remove_header("User-Agent");
  const SigV4Signer signer("eu-west-1", "firehose");
  EXPECT_EQ(signer.sign(with_agent, example_credentials(), kMarchFirst).authorization,
            signer.sign(without_agent, example_credentials(), kMarchFirst).authorization);
}

TEST(SigV4Signer, ResigningReplacesDateTokenAndAuthorization) {
  HttpRequest request = put_record_batch();
  const SigV4Signer signer("eu-west-1", "firehose");
  signer.sign(request, example_credentials("old-token"), kMarchFirst);
  const auto second = signer.sign(request, example_credentials("new-token"), kMarchFirst + minutes{5});

  HttpRequest fresh = put_record_batch();
  EXPECT_EQ(second.authorization,
            signer.sign(fresh, example_credentials("new-token"), kMarchFirst + minutes{5}).authorization);
  EXPECT_EQ(request.headers, fresh.headers);
}

TEST(SigV4Signer, CallerContentSha256StandsInForPayloadHash) {
  HttpRequest request = put_record_batch();
  request.headers.emplace_back("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
  const auto signature = SigV4Signer("eu-west-1", "s3").sign(request, example_credentials(), kMarchFirst);
  EXPECT_TRUE(signature.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(signature.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"), std::string::npos);
}

TEST(SigV4Signer, RequestWithoutHostIsRefused) {
  HttpRequest request = put_record_batch();
  request.remove_header("Host");
  EXPECT_THROW(SigV4Signer("eu-west-1", "firehose").sign(request, example_credentials(), kMarchFirst),
               std::invalid_argument);
}

TEST(SigV4Signer, HeaderValueWhitespaceIsTrimmedAndCollapsed) {
  HttpRequest request = put_record_batch();
  request.headers.emplace_back("My-Header", "\t a \t  b\r\n  c  ");
  const auto signature = SigV4Signer("eu-west-1", "firehose").sign(request, example_credentials(), kMarchFirst);
  EXPECT_NE(signature.canonical_request.find("\nmy-header:a b c\n"), std::string::npos);
}

TEST(AmzDate, IsUtcBasicFormatWithFractionTruncated) {
  EXPECT_EQ(amz_date(kMarchFirst + milliseconds{999}), "20260301T090507Z");
  EXPECT_EQ(amz_date(sys_days{year{1999} / December / 31} + hours{23} + minutes{59} + seconds{59}),
            "19991231T235959Z");
}

TEST(UriEncoding, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode("aZ09-._~ /+=%é"), "aZ09-._~%20%2F%2B%3D%25%C3%A9");
  EXPECT_EQ(uri_encode("/a b/", /*keep_slash=*/true), "/a%20b/");
}

TEST(UriEncoding, PathIsEncodedAgainSoEscapesDoubleForNonS3Services) {
  EXPECT_EQ(canonical_uri("/documents%20and%20settings/"), "/documents%2520and%2520settings/");
}

TEST(UriEncoding, EmptyPathIsSlash) { EXPECT_EQ(canonical_uri(""), "/"); }

TEST(UriEncoding, QueryParameterWithoutValueGetsEmptyValue) {
  EXPECT_EQ(canonical_query_string("b&a=1"), "a=1&b=");
}

TEST(UriEncoding, MalformedEscapeIsEncodedLiterally) { EXPECT_EQ(canonical_query_string("a=%zz%4"), "a=%25zz%254"); }

}  // namespace
}  // namespace kinesyslog::aws
