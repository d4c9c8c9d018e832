#include "aws/signed_client.hpp"

#include <algorithm>

namespace kinesyslog::aws {
namespace {

void address_to(const EndpointUrl& endpoint, HttpRequest& request) {
  request.path = endpoint.path;
  request.set_header("Host", endpoint.host_header());
}

// After signing: proxies may rewrite User-Agent, so botocore never signs it either.
void add_user_agent(HttpRequest& request) { request.set_header("User-Agent", "kinesyslog/" KINESYSLOG_VERSION); }

}  // namespace

SignedClient::SignedClient(EndpointUrl endpoint, SigV4Signer signer, CredentialsSource& credentials,
                           HttpTransport& transport, const Clock& clock, HttpTimeouts timeouts, ClockSkew& skew)
    : endpoint_(std::move(endpoint)),
      signer_(std::move(signer)),
      credentials_(credentials),
      transport_(transport),
      clock_(clock),
      timeouts_(timeouts),
      skew_(skew) {}

HttpResponse SignedClient::send_in_place(HttpRequest& request, std::chrono::milliseconds total_limit) {
  address_to(endpoint_, request);
  HttpResponse response = sign_and_send(request, total_limit);
  if (skew_.correct_from(response, clock_.now())) response = sign_and_send(request, total_limit);
  return response;
}

HttpResponse SignedClient::sign_and_send(HttpRequest& request, std::chrono::milliseconds total_limit) {
  signer_.sign(request, credentials_.current(), skew_.aws_time(clock_.now()));
  add_user_agent(request);
  HttpTimeouts timeouts = timeouts_;
  timeouts.total = std::min(timeouts.total, std::max(total_limit, std::chrono::milliseconds(1)));  // 0 is "none" to curl
  timeouts.connect = std::min(timeouts.connect, timeouts.total);
  return transport_.send(endpoint_, request, timeouts);
}

HttpResponse send_unsigned(HttpTransport& transport, const EndpointUrl& endpoint, HttpRequest request,
                           const HttpTimeouts& timeouts) {
  address_to(endpoint, request);
  add_user_agent(request);
  return transport.send(endpoint, request, timeouts);
}

HttpRequest json_1_1_request(std::string_view target, std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", std::string(target)}};
  request.body = std::move(body);
  return request;
}

HttpRequest query_request(std::string form) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = std::move(form);
  return request;
}

}  // namespace kinesyslog::aws
