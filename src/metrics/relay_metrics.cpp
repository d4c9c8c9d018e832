#include "metrics/relay_metrics.hpp"

#include <algorithm>
#include <stdexcept>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace kinesyslog::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The original's buckets: tenths of a PutRecordBatch call's 500 records, eighths of its
// 4 MiB, eighths of Firehose's 1,024,000-byte record.
prometheus::Histogram::BucketBoundaries linear_buckets(double limit, int parts) {
  prometheus::Histogram::BucketBoundaries bounds;
  for (int i = 0; i <= parts; ++i) bounds.push_back(limit * i / parts);
  return bounds;
}

constexpr size_t kMaxErrorMessageLength = 200;

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

ClientMetric counter(double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  return metric;
}

ClientMetric gauge(double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

double as_double(uint64_t value) { return static_cast<double>(value); }

}  // namespace

RelayMetrics::RelayMetrics(RelayMetricsLabels labels, const Clock& clock)
    : labels_(std::move(labels)), clock_(clock), registry_(std::make_shared<prometheus::Registry>()) {
  if (labels_.streams.empty()) throw std::invalid_argument("metrics: no stream");
  auto& batch_records = prometheus::BuildHistogram()
                            .Name("kinesyslog_batch_records")
                            .Help("Kinesis batch record count")
                            .Register(*registry_);
  auto& batch_bytes = prometheus::BuildHistogram()
                          .Name("kinesyslog_batch_bytes")
                          .Help("Kinesis batch request size")
                          .Register(*registry_);
  auto& record_bytes =
      prometheus::BuildHistogram().Name("kinesyslog_record_bytes").Help("Kinesis record size").Register(*registry_);
  auto& delivery_seconds = prometheus::BuildHistogram()
                               .Name("kinesyslog_delivery_seconds")
                               .Help("Seconds from receiving a record's oldest event to its acknowledgement")
                               .Register(*registry_);
  for (const std::string& name : labels_.streams) {
    const prometheus::Labels stream{{"stream", name}};
    streams_.push_back(StreamSeries{
        &batch_records.Add(stream, linear_buckets(500, 10)),
        &batch_bytes.Add(stream, linear_buckets(4 * 1024 * 1024, 8)),
        &record_bytes.Add(stream, linear_buckets(1024 * 1000, 8)),
        &delivery_seconds.Add(stream, prometheus::Histogram::BucketBoundaries{0.5, 1, 5, 10, 30, 60, 120, 300, 600,
                                                                              1800, 3600, 21600, 86400}),
    });
  }
  waiting_ = std::make_unique<std::atomic<uint64_t>[]>(labels_.streams.size());
  batch_failed_ = &prometheus::BuildCounter()
                       .Name("kinesyslog_batch_record_failed")
                       .Help("Kinesis batch record failures")
                       .Register(*registry_);
  http_requests_ = &prometheus::BuildCounter()
                        .Name("kinesyslog_http_requests_total")
                        .Help("Total HTTP requests")
                        .Register(*registry_);
}

RelayMetrics::~RelayMetrics() = default;

void RelayMetrics::observe_call(size_t stream, size_t records, uint64_t bytes) {
  streams_.at(stream).batch_records->Observe(static_cast<double>(records));
  streams_.at(stream).batch_bytes->Observe(as_double(bytes));
}

void RelayMetrics::observe_accepted(size_t stream, uint64_t record_bytes, WallTime first_received) {
  streams_.at(stream).record_bytes->Observe(as_double(record_bytes));
  const double seconds = std::chrono::duration<double>(clock_.now() - first_received).count();
  streams_.at(stream).delivery_seconds->Observe(std::max(0.0, seconds));
}

void RelayMetrics::set_waiting(size_t stream, uint64_t records) noexcept {
  if (stream < labels_.streams.size()) waiting_[stream].store(records, std::memory_order_relaxed);
}

void RelayMetrics::observe_failed(size_t stream, std::string_view error_message) {
  std::string text(error_message.substr(0, kMaxErrorMessageLength));
  std::lock_guard lock(failed_mutex_);
  prometheus::Labels labels{{"stream", labels_.streams.at(stream)}, {"error_message", text}};
  // Error texts come from outside (AWS answers): keep their label sets bounded.
  if (!batch_failed_->Has(labels)) {
    if (failed_labels_ >= kMaxErrorMessages) {
      labels["error_message"] = std::string(kOtherSource);
    } else {
      ++failed_labels_;
    }
  }
  batch_failed_->Add(labels).Increment();
}

void RelayMetrics::count_http_request(std::string_view method, std::string_view path) {
  http_requests_->Add({{"method", std::string(method)}, {"path", std::string(path)}}).Increment();
}

std::string RelayMetrics::render(const RelayReadings& readings) const {
  std::vector<MetricFamily> families = registry_->Collect();
  const RelayCounters& counters = *readings.counters;

  auto messages = family("kinesyslog_message_count_total", "Message records received", MetricType::Counter);
  auto bytes = family("kinesyslog_message_bytes_total", "Message bytes received", MetricType::Counter);
  for (const SourceTraffic& one : readings.traffic) {
    std::vector<ClientMetric::Label> labels{{"port", std::to_string(one.port)}, {"source", one.source}};
    messages.metric.push_back(counter(as_double(one.messages), labels));
    bytes.metric.push_back(counter(as_double(one.bytes), labels));
  }
  families.push_back(std::move(messages));
  families.push_back(std::move(bytes));

  auto listeners = family("kinesyslog_listener_count", "The number of message listeners", MetricType::Gauge);
  listeners.metric.push_back(gauge(static_cast<double>(counters.listeners.load(std::memory_order_relaxed))));
  families.push_back(std::move(listeners));

  const std::vector<ClientMetric::Label> path{{"path", labels_.spool_dir}};
  auto spool_count = family("kinesyslog_spool_count", "Kinesis batch spool record count", MetricType::Gauge);
  spool_count.metric.push_back(gauge(as_double(readings.spool_records), path));
  families.push_back(std::move(spool_count));
  auto spool_age =
      family("kinesyslog_spool_age", "Age in seconds of the oldest record waiting in the spool", MetricType::Gauge);
  spool_age.metric.push_back(gauge(std::chrono::duration<double>(readings.spool_oldest_age).count(), path));
  families.push_back(std::move(spool_age));
  auto spool_bytes = family("kinesyslog_spool_bytes", "Bytes of records waiting in the spool", MetricType::Gauge);
  spool_bytes.metric.push_back(gauge(as_double(readings.spool_bytes), path));
  families.push_back(std::move(spool_bytes));
  auto quarantined =
      family("kinesyslog_quarantined_records",
             "Spool files moved to the quarantine directory because they cannot be a record", MetricType::Gauge);
  quarantined.metric.push_back(gauge(as_double(readings.quarantined_records), path));
  families.push_back(std::move(quarantined));
  if (readings.spool_max_bytes != 0) {
    // Beside kinesyslog_spool_bytes, so an alert can watch their ratio (docs/behaviour.md §7.5).
    auto spool_max =
        family("kinesyslog_spool_max_bytes", "The configured cap on bytes waiting in the spool", MetricType::Gauge);
    spool_max.metric.push_back(gauge(as_double(readings.spool_max_bytes), path));
    families.push_back(std::move(spool_max));
  }

  auto waiting = family("kinesyslog_delivery_waiting_records",
                        "Records waiting in the spool for one stream's delivery (not yet accepted)", MetricType::Gauge);
  for (size_t stream = 0; stream < labels_.streams.size(); ++stream) {
    waiting.metric.push_back(
        gauge(as_double(waiting_[stream].load(std::memory_order_relaxed)), {{"stream", labels_.streams[stream]}}));
  }
  families.push_back(std::move(waiting));

  auto dropped =
      family("kinesyslog_dropped_messages_total", "Messages dropped or cut short, by reason", MetricType::Counter);
  for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); ++i) {
    const auto reason = static_cast<DropReason>(i);
    dropped.metric.push_back(
        counter(as_double(counters.drops(reason)), {{"reason", std::string(drop_reason_name(reason))}}));
  }
  families.push_back(std::move(dropped));

  auto connections = family("kinesyslog_connections", "Open TCP connections by receiving port", MetricType::Gauge);
  for (const auto& [port, open] : readings.open_connections) {
    connections.metric.push_back(gauge(static_cast<double>(open), {{"port", std::to_string(port)}}));
  }
  families.push_back(std::move(connections));

  append_journal_families(counters.journal, families);
  if (!counters.relp_ports.empty()) {
    auto acked =
        family("kinesyslog_relp_frames_acked_total",
               "RELP syslog frames acknowledged (their messages durable), by receiving port", MetricType::Counter);
    auto sessions = family("kinesyslog_relp_sessions", "Open RELP sessions by receiving port", MetricType::Gauge);
    for (const auto& [port, relp] : counters.relp_ports) {
      const std::vector<ClientMetric::Label> labels{{"port", std::to_string(port)}};
      acked.metric.push_back(counter(as_double(relp.frames_acked.load(std::memory_order_relaxed)), labels));
      sessions.metric.push_back(gauge(static_cast<double>(relp.sessions.load(std::memory_order_relaxed)), labels));
    }
    families.push_back(std::move(acked));
    families.push_back(std::move(sessions));
  }

  // Scrapers reach /metrics, not /health: this carries /health's answer to them.
  auto healthy = family("kinesyslog_healthy", "1 while /health answers 200, 0 while it answers 503", MetricType::Gauge);
  healthy.metric.push_back(gauge(readings.healthy ? 1 : 0));
  families.push_back(std::move(healthy));

  auto build = family("kinesyslog_build_info", "The running kinesyslog version", MetricType::Gauge);
  build.metric.push_back(gauge(1, {{"version", KINESYSLOG_VERSION}}));
  families.push_back(std::move(build));

  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace kinesyslog::metrics
