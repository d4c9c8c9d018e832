#include "relay/metrics_endpoint.hpp"

#include <algorithm>

#include "net/listener.hpp"
#include "relay/relay.hpp"

namespace kinesyslog::relay {
namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values stay bounded whatever clients send.
std::string_view method_label(std::string_view method) {
  return method == "GET" || method == "HEAD" ? method : std::string_view("other");
}

}  // namespace

net::HttpResponse answer_metrics_request(std::string_view method, std::string_view target,
                                             const MetricsSource& source, metrics::RelayMetrics& metrics) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool known = path == "/metrics" || path == "/health";
  metrics.count_http_request(method_label(method), known ? path : std::string_view("other"));
  if (!known) return {404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n"};
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
  if (path == "/health") {
    if (source.healthy()) return {200, "text/plain; charset=utf-8", "ok\n"};
    return {503, "text/plain; charset=utf-8", "unhealthy: a listener stopped or the spool is not writable\n"};
  }
  return {200, std::string(kMetricsContentType), metrics.render(source.readings())};
}

class MetricsEndpoint::RelaySource final : public MetricsSource {
 public:
  explicit RelaySource(const Relay& relay) : relay_(relay) {}
  metrics::RelayReadings readings() const override { return relay_.readings(); }
  bool healthy() const override { return relay_.healthy(); }

 private:
  const Relay& relay_;
};

MetricsEndpoint::MetricsEndpoint(const IpAddress& address, bool ipv6_literal, const std::vector<uint16_t>& ports,
                                 const std::vector<uint16_t>& proxy_protocol_ports, metrics::RelayMetrics& metrics,
                                 const Clock& clock)
    : metrics_(metrics), clock_(clock) {
  for (uint16_t port : ports) {
    const bool proxy = std::ranges::find(proxy_protocol_ports, port) != proxy_protocol_ports.end();
    listeners_.push_back({net::open_listener(address, ipv6_literal, {net::Transport::kTcp, port, Protocol::kSyslog}), proxy});
  }
}

MetricsEndpoint::~MetricsEndpoint() { stop(); }

void MetricsEndpoint::start(const Relay& relay) {
  if (listeners_.empty()) return;
  source_ = std::make_unique<RelaySource>(relay);
  server_ = std::make_unique<net::HttpServer>(
      std::move(listeners_),
      [this](std::string_view method, std::string_view target) {
        return answer_metrics_request(method, target, *source_, metrics_);
      },
      clock_);
  server_->start();
}

void MetricsEndpoint::stop() {
  if (server_) server_->stop();
}

}  // namespace kinesyslog::relay
