#include "net/http_request_head.hpp"

#include <string>

#include <gtest/gtest.h>

namespace kinesyslog::net {
namespace {

using Status = HttpRequestHead::Status;

TEST(HttpRequestHead, ARequestLineAndHeadersGiveTheMethodAndTarget) {
  const HttpRequestHead head = read_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 8192);
  ASSERT_EQ(head.status, Status::kComplete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/metrics?x=1");
}

TEST(HttpRequestHead, WithoutTheBlankLineMoreIsNeeded) {
  EXPECT_EQ(read_request_head("GET /health HTTP/1.1\r\nHost: a\r\n", 8192).status, Status::kNeedMore);
  EXPECT_EQ(read_request_head("", 8192).status, Status::kNeedMore);
}

TEST(HttpRequestHead, AHeadOverTheBoundIsTooLarge) {
  const std::string request = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_EQ(read_request_head(request, request.size()).status, Status::kComplete);
  EXPECT_EQ(read_request_head(request, request.size() - 1).status, Status::kTooLarge);
  EXPECT_EQ(read_request_head(std::string(101, 'a'), 100).status, Status::kTooLarge);
  EXPECT_EQ(read_request_head(std::string(100, 'a'), 100).status, Status::kNeedMore);
}

TEST(HttpRequestHead, ALineThatIsNotMethodTargetVersionIsBad) {
  for (const char* request : {"GET /\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/2\r\n\r\n", "\r\n\r\n", "GET / SIP/1.0\r\n\r\n"}) {
    EXPECT_EQ(read_request_head(request, 8192).status, Status::kBad) << request;
  }
}

}  // namespace
}  // namespace kinesyslog::net
