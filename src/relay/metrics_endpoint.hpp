#pragma once
// The --prometheus-port endpoint (docs/behaviour.md §6): GET /metrics renders the relay's metrics, GET
// /health answers 200 while listeners run and the spool is writable (else 503), anything
// else is 404 (405 for methods other than GET and HEAD).
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ip_address.hpp"
#include "net/http_server.hpp"
#include "metrics/relay_metrics.hpp"

namespace kinesyslog::relay {

class Relay;

// What the endpoint asks of the relay; a seam so routing is tested without sockets.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual metrics::RelayReadings readings() const = 0;
  virtual bool healthy() const = 0;
};

// Answers one request; counts it in kinesyslog_http_requests_total.
net::HttpResponse answer_metrics_request(std::string_view method, std::string_view target,
                                             const MetricsSource& source, metrics::RelayMetrics& metrics);

class MetricsEndpoint {
 public:
  // Binds every port now, so a bad port fails start-up like any listener (throws net::BindError).
  // A port also in `proxy_protocol_ports` expects a PROXY header first (docs/behaviour.md §2.6).
  MetricsEndpoint(const IpAddress& address, bool ipv6_literal, const std::vector<uint16_t>& ports,
                  const std::vector<uint16_t>& proxy_protocol_ports,
                  metrics::RelayMetrics& metrics, const Clock& clock);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Serves `relay` from now on; it must outlive stop().
  void start(const Relay& relay);
  void stop();

 private:
  class RelaySource;
  metrics::RelayMetrics& metrics_;
  const Clock& clock_;
  std::vector<net::HttpListener> listeners_;
  std::unique_ptr<RelaySource> source_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace kinesyslog::relay
