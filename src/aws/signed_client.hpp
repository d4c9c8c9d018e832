#pragma once
// One AWS service endpoint: adds Host, signs with SigV4 and the current credentials, sends.
// The protocols' request shapes (JSON 1.1 for Firehose, query for STS) are built by the callers.
#include <chrono>
#include <string>
#include <string_view>

#include "aws/clock_skew.hpp"
#include "aws/credentials_source.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_transport.hpp"
#include "aws/sigv4_signer.hpp"
#include "core/clock.hpp"

namespace kinesyslog::aws {

// Not thread-safe when the transport is not (CurlTransport): one client per thread.
class SignedClient {
 public:
  SignedClient(EndpointUrl endpoint, SigV4Signer signer, CredentialsSource& credentials, HttpTransport& transport,
               const Clock& clock, HttpTimeouts timeouts, ClockSkew& skew = ClockSkew::process());

  // Throws HttpTransportError when no answer came, and what CredentialsSource::current() throws.
  // Signs with `skew`'s time; an answer refusing the signature for its time corrects `skew` and
  // the request is signed and sent once more at once.
  HttpResponse send(HttpRequest request) { return send_in_place(request); }
  // The same, signing `request` where it is, so the caller keeps its body's buffer.
  // `total_limit` shortens the total timeout for this call (a shutdown deadline).
  HttpResponse send_in_place(HttpRequest& request,
                             std::chrono::milliseconds total_limit = std::chrono::milliseconds::max());

  CredentialsSource& credentials() { return credentials_; }
  const SigV4Signer& signer() const { return signer_; }
  const EndpointUrl& endpoint() const { return endpoint_; }

 private:
  EndpointUrl endpoint_;
  SigV4Signer signer_;
  CredentialsSource& credentials_;
  HttpTransport& transport_;
  HttpResponse sign_and_send(HttpRequest& request, std::chrono::milliseconds total_limit);

  const Clock& clock_;
  HttpTimeouts timeouts_;
  ClockSkew& skew_;
};

// What SignedClient sends, without the signature: for calls whose body is the proof of identity
// (STS AssumeRoleWithWebIdentity). Throws HttpTransportError when no answer came.
HttpResponse send_unsigned(HttpTransport& transport, const EndpointUrl& endpoint, HttpRequest request,
                           const HttpTimeouts& timeouts);

// POST / in the JSON 1.1 protocol: `target` is "Firehose_20150804.PutRecordBatch".
HttpRequest json_1_1_request(std::string_view target, std::string body);
// POST / in the query protocol: `form` is "Action=GetCallerIdentity&Version=2011-06-15".
HttpRequest query_request(std::string form);

}  // namespace kinesyslog::aws
