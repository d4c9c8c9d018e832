#include "aws/curl_transport.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>

#include <curl/curl.h>
#include <fmt/format.h>

namespace kinesyslog::aws {
namespace {

// curl_global_init is not thread-safe in older libcurl and must run once per process.
void initialise_libcurl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl: curl_global_init failed");
  });
}

struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

void append_header(HeaderList& list, const std::string& line) {
  curl_slist* extended = curl_slist_append(list.get(), line.c_str());
  if (extended == nullptr) throw std::bad_alloc();
  // curl_slist_append returned the same list, now one longer: hand its ownership over as is.
  (void)list.release();
  list.reset(extended);
}

HeaderList header_list(const HttpRequest& request) {
  HeaderList list;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's way of sending a header with an empty value; "Name:" would remove it.
    append_header(list, value.empty() ? name + ";" : name + ": " + value);
  }
  // An empty Expect stops curl waiting up to a second for "100 Continue" before large bodies.
  if (!request.header("Expect")) append_header(list, "Expect:");
  return list;
}

std::string request_url(const EndpointUrl& endpoint, const HttpRequest& request) {
  std::string url = endpoint.scheme + "://" + endpoint.host;
  if (endpoint.port) url += ":" + std::to_string(*endpoint.port);
  url += request.path.empty() ? "/" : request.path;
  if (!request.query.empty()) url += "?" + request.query;
  return url;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// Where collect_body puts the answer's body, up to a cap.
struct BodyTarget {
  std::string& body;
  std::size_t max_bytes;
  bool too_large = false;
};

size_t collect_body(char* data, size_t size, size_t count, void* target) {
  auto& into = *static_cast<BodyTarget*>(target);
  if (into.body.size() + size * count > into.max_bytes) {
    into.too_large = true;
    return 0;  // anything but size * count ends the transfer with CURLE_WRITE_ERROR
  }
  into.body.append(data, size * count);
  return size * count;
}

size_t collect_header(char* data, size_t size, size_t count, void* target) {
  auto& headers = *static_cast<std::vector<std::pair<std::string, std::string>>*>(target);
  const std::string_view line(data, size * count);
  // A new status line (after "100 Continue" or a proxy's CONNECT answer) starts a new header block.
  if (line.starts_with("HTTP/")) {
    headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

template <class Value>
void set_option(CURL* handle, CURLoption option, Value value) {
  if (const CURLcode code = curl_easy_setopt(handle, option, value); code != CURLE_OK) {
    throw std::runtime_error(
        fmt::format("libcurl: setting option {} failed: {}", static_cast<int>(option), curl_easy_strerror(code)));
  }
}

}  // namespace

void CurlTransport::end_calls_at(SteadyTime deadline) { calls_end_at_.store(deadline); }

static_assert(CURL_ERROR_SIZE == 256, "CurlTransport::kErrorTextBytes must match libcurl's error buffer");

struct CurlCallbacks {
  // libcurl calls this about once a second even while it waits, and on every transfer step.
  static int check_deadline(void* transport, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* self = static_cast<const CurlTransport*>(transport);
    return std::chrono::steady_clock::now() >= self->calls_end_at_.load() ? 1 : 0;
  }
};

CurlTransport::CurlTransport(std::size_t max_answer_bytes) : max_answer_bytes_(max_answer_bytes) {
  initialise_libcurl_once();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) throw std::runtime_error("libcurl: curl_easy_init failed");
}

CurlTransport::~CurlTransport() { curl_easy_cleanup(handle_); }

HttpResponse CurlTransport::send(const EndpointUrl& endpoint, const HttpRequest& request,
                                 const HttpTimeouts& timeouts) {
  // Options persist on the handle; reset keeps the connection cache and TLS session, which is
  // what keep-alive needs, while clearing the previous call's method and body.
  curl_easy_reset(handle_);
  HttpResponse response;
  BodyTarget body_target{response.body, max_answer_bytes_};
  const std::string url = request_url(endpoint, request);
  const HeaderList headers = header_list(request);
  error_text_[0] = '\0';

  set_option(handle_, CURLOPT_URL, url.c_str());
  set_option(handle_, CURLOPT_HTTPHEADER, headers.get());
  set_option(handle_, CURLOPT_ERRORBUFFER, error_text_.data());
  set_option(handle_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  set_option(handle_, CURLOPT_SSL_VERIFYPEER, 1L);
  set_option(handle_, CURLOPT_SSL_VERIFYHOST, 2L);
  set_option(handle_, CURLOPT_TCP_KEEPALIVE, 1L);
  const SteadyTime end_at = calls_end_at_.load();
  std::chrono::milliseconds total = timeouts.total;
  if (end_at != SteadyTime::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_at - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero()) {
      throw HttpTransportError(fmt::format("{} {}: not sent, the shutdown deadline has passed", request.method, url));
    }
    total = std::min(total, left);
  }
  set_option(handle_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(timeouts.connect, total).count()));
  set_option(handle_, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
  set_option(handle_, CURLOPT_XFERINFOFUNCTION, &CurlCallbacks::check_deadline);
  set_option(handle_, CURLOPT_XFERINFODATA, static_cast<void*>(this));
  set_option(handle_, CURLOPT_NOPROGRESS, 0L);
  set_option(handle_, CURLOPT_WRITEFUNCTION, &collect_body);
  set_option(handle_, CURLOPT_WRITEDATA, static_cast<void*>(&body_target));
  set_option(handle_, CURLOPT_HEADERFUNCTION, &collect_header);
  set_option(handle_, CURLOPT_HEADERDATA, static_cast<void*>(&response.headers));

  if (request.method == "GET") {
    set_option(handle_, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set_option(handle_, CURLOPT_NOBODY, 1L);
  } else {
    // POST sends the body as it is (curl copies nothing: the request outlives the call).
    set_option(handle_, CURLOPT_POST, 1L);
    set_option(handle_, CURLOPT_POSTFIELDS, request.body.data());
    set_option(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") set_option(handle_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  if (const CURLcode code = curl_easy_perform(handle_); code != CURLE_OK) {
    if (body_target.too_large) {
      throw HttpTransportError(
          fmt::format("{} {}: the answer's body is larger than {} bytes, more than any AWS "
                      "answer the relay reads (a proxy or a wrong URL?); not read",
                      request.method, url, max_answer_bytes_));
    }
    const char* detail = error_text_[0] != '\0' ? error_text_.data() : curl_easy_strerror(code);
    throw HttpTransportError(fmt::format("{} {}: {}", request.method, url, detail));
  }
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace kinesyslog::aws
