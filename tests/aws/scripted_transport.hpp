#pragma once
// An HttpTransport for tests: answers requests from a script, in order, and keeps what was sent.
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "aws/http_transport.hpp"

namespace kinesyslog::aws::testing {

class ScriptedTransport final : public HttpTransport {
 public:
  struct Sent {
    EndpointUrl endpoint;
    HttpRequest request;
    HttpTimeouts timeouts;
  };

  // The next request must be `method path` and gets this answer.
  void expect(std::string method, std::string path, long status, std::string body) {
    script_.push_back({std::move(method), std::move(path), HttpResponse{status, {}, std::move(body)}, std::nullopt});
  }
  // The same, with an answer that has headers too.
  void expect(std::string method, std::string path, HttpResponse answer) {
    script_.push_back({std::move(method), std::move(path), std::move(answer), std::nullopt});
  }
  // The next request must be `method path` and gets no answer at all.
  void expect_no_answer(std::string method, std::string path, std::string why = "Connection refused") {
    script_.push_back({std::move(method), std::move(path), std::nullopt, std::move(why)});
  }

  HttpResponse send(const EndpointUrl& endpoint, const HttpRequest& request, const HttpTimeouts& timeouts) override {
    sent.push_back({endpoint, request, timeouts});
    if (script_.empty()) {
      ADD_FAILURE() << "unexpected request " << request.method << " " << request.path;
      throw HttpTransportError("no scripted answer");
    }
    Step step = std::move(script_.front());
    script_.pop_front();
    EXPECT_EQ(request.method + " " + request.path, step.method + " " + step.path);
    if (step.failure) throw HttpTransportError(*step.failure);
    return *step.response;
  }

  bool finished() const { return script_.empty(); }

  std::vector<Sent> sent;

 private:
  struct Step {
    std::string method;
    std::string path;
    std::optional<HttpResponse> response;
    std::optional<std::string> failure;
  };
  std::deque<Step> script_;
};

}  // namespace kinesyslog::aws::testing
