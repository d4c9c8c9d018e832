// The one retry/refusal table every AWS call goes by: each code and status and what it means.
#include "aws/service_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kinesyslog::aws {
namespace {

struct CodeCase {
  long http_status;
  std::string code;
  ErrorAction expected;
};

class ErrorActionByCode : public ::testing::TestWithParam<CodeCase> {};

TEST_P(ErrorActionByCode, IsTheTablesAnswer) {
  const CodeCase& given = GetParam();
  EXPECT_EQ(error_action(ServiceError{given.http_status, given.code, "m"}), given.expected)
      << given.code << " (HTTP " << given.http_status << ")";
}

constexpr auto kRetry = ErrorAction::kRetry;
constexpr auto kRefresh = ErrorAction::kRefreshCredentialsAndRetry;
constexpr auto kGiveUp = ErrorAction::kGiveUp;

INSTANTIATE_TEST_SUITE_P(
    EveryListedCode, ErrorActionByCode,
    ::testing::Values(
        // Throttling and transient faults, whatever the status (400 here, as AWS sends most of them).
        CodeCase{400, "Throttling", kRetry}, CodeCase{400, "ThrottlingException", kRetry},
        CodeCase{400, "ThrottledException", kRetry}, CodeCase{400, "TooManyRequestsException", kRetry},
        CodeCase{400, "RequestLimitExceeded", kRetry}, CodeCase{400, "LimitExceededException", kRetry},
        CodeCase{400, "ServiceUnavailable", kRetry}, CodeCase{400, "ServiceUnavailableException", kRetry},
        CodeCase{400, "InternalFailure", kRetry}, CodeCase{400, "RequestTimeout", kRetry},
        CodeCase{400, "IDPCommunicationError", kRetry}, CodeCase{400, "ProvisionedThroughputExceededException", kRetry},
        CodeCase{400, "KMSThrottlingException", kRetry},
        // An expired session token: fetch fresh credentials, then try again.
        CodeCase{400, "ExpiredToken", kRefresh}, CodeCase{400, "ExpiredTokenException", kRefresh},
        CodeCase{400, "RequestExpired", kRefresh}, CodeCase{500, "ExpiredTokenException", kRefresh},
        // A clock skew is corrected from the answer's Date and retried.
        CodeCase{403, "RequestTimeTooSkewed", kRetry}, CodeCase{400, "RequestInTheFuture", kRetry},
        // Refusals: the request or the settings are wrong.
        CodeCase{400, "ResourceNotFoundException", kGiveUp}, CodeCase{403, "AccessDenied", kGiveUp},
        CodeCase{400, "AccessDeniedException", kGiveUp}, CodeCase{400, "InvalidArgumentException", kGiveUp},
        CodeCase{400, "ValidationException", kGiveUp}, CodeCase{400, "UnrecognizedClientException", kGiveUp},
        CodeCase{403, "InvalidClientTokenId", kGiveUp}, CodeCase{400, "InvalidIdentityToken", kGiveUp},
        CodeCase{403, "IDPRejectedClaim", kGiveUp}, CodeCase{400, "MalformedPolicyDocument", kGiveUp},
        CodeCase{403, "RegionDisabledException", kGiveUp}, CodeCase{400, "InvalidSignatureException", kGiveUp},
        CodeCase{403, "SignatureDoesNotMatch", kGiveUp},
        // Codes compare whole and case-sensitively, as AWS sends them.
        CodeCase{400, "throttling", kGiveUp}, CodeCase{400, "ThrottlingExceptionX", kGiveUp}));

class ErrorActionByStatus : public ::testing::TestWithParam<std::pair<long, ErrorAction>> {};

TEST_P(ErrorActionByStatus, WithoutACodeFollowsTheStatus) {
  const auto [status, expected] = GetParam();
  EXPECT_EQ(error_action(ServiceError{status, "", ""}), expected) << "HTTP " << status;
  EXPECT_EQ(error_action(ServiceError{status, "SomeUnlistedCode", "m"}), expected) << "HTTP " << status;
}

INSTANTIATE_TEST_SUITE_P(
    EveryStatus, ErrorActionByStatus,
    ::testing::Values(std::pair{408L, kRetry}, std::pair{429L, kRetry}, std::pair{500L, kRetry},
                      std::pair{502L, kRetry}, std::pair{503L, kRetry}, std::pair{504L, kRetry},
                      std::pair{599L, kRetry}, std::pair{400L, kGiveUp}, std::pair{401L, kGiveUp},
                      std::pair{403L, kGiveUp}, std::pair{404L, kGiveUp}, std::pair{409L, kGiveUp},
                      std::pair{413L, kGiveUp}, std::pair{0L, kGiveUp}, std::pair{200L, kGiveUp}));

TEST(ErrorAction, ASignatureRefusedForItsTimeIsRetried) {
  EXPECT_EQ(error_action({400, "InvalidSignatureException", "Signature expired: 20261130T011807Z is now earlier"}),
            kRetry);
  EXPECT_EQ(error_action({403, "SignatureDoesNotMatch", "Signature not yet current: 20261130T015807Z is still later"}),
            kRetry);
  EXPECT_EQ(error_action({403, "SignatureDoesNotMatch", "The request signature we calculated does not match"}),
            kGiveUp);
}

TEST(QueryServiceError, ReadsCodeAndMessageWithEntitiesDecoded) {
  const ServiceError error = query_service_error(
      {400, {}, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                "<Message>a &lt; b &amp; c</Message></Error><RequestId>r</RequestId></ErrorResponse>"});
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.code, "ValidationError");
  EXPECT_EQ(error.message, "a < b & c");
}

TEST(QueryServiceError, AnUnreadableBodyBecomesTheMessage) {
  const ServiceError error = query_service_error({502, {}, "<html><body>Bad Gateway<br></body></html>"});
  EXPECT_EQ(error.code, "");
  EXPECT_EQ(error.message, "<html><body>Bad Gateway<br></body></html>");
}

TEST(JsonServiceError, TypeIsReducedToItsCode) {
  const ServiceError error =
      json_service_error({400, {}, R"({"__type":"com.amazon#ResourceNotFoundException","message":"gone"})"});
  EXPECT_EQ(error.code, "ResourceNotFoundException");
  EXPECT_EQ(error.message, "gone");
  EXPECT_EQ(json_service_error({400, {{"x-amzn-ErrorType", "ThrottlingException:http://x"}}, "{}"}).code,
            "ThrottlingException");
}

}  // namespace
}  // namespace kinesyslog::aws
