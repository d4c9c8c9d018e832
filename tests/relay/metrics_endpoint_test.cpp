#include "relay/metrics_endpoint.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "relay/delivery_event_reporter.hpp"

namespace kinesyslog::relay {
namespace {

using namespace std::chrono_literals;

const WallTime kEndpointNow = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24}};

class FakeSource final : public MetricsSource {
 public:
  metrics::RelayReadings readings() const override {
    metrics::RelayReadings readings;
    readings.counters = &counters;
    readings.traffic = {{514, "10.0.0.1", 3, 30}, {514, "other", 2, 7}};
    readings.open_connections = {{514, 4}};
    readings.spool_records = 2;
    readings.spool_bytes = 900;
    readings.spool_oldest_age = 1500ms;
    readings.quarantined_records = 3;
    readings.spool_max_bytes = spool_max_bytes;
    readings.healthy = is_healthy;
    return readings;
  }
  bool healthy() const override { return is_healthy; }

  metrics::RelayCounters counters;
  bool is_healthy = true;
  uint64_t spool_max_bytes = 0;
};

class MetricsEndpointTest : public ::testing::Test {
 protected:
  net::HttpResponse get(std::string_view target, std::string_view method = "GET") {
    return answer_metrics_request(method, target, source_, metrics_);
  }
  std::string scrape() { return get("/metrics").body; }

  ManualClock clock_{kEndpointNow};
  FakeSource source_;
  metrics::RelayMetrics metrics_{{{"my-stream"}, "/var/spool/kinesyslog"}, clock_};
};

TEST_F(MetricsEndpointTest, MetricsCarryTheOriginalsNamesTypesAndLabels) {
  const std::string text = scrape();
  for (const char* line : {
           "# TYPE kinesyslog_message_count_total counter",
           "kinesyslog_message_count_total{port=\"514\",source=\"10.0.0.1\"} 3\n",
           "# TYPE kinesyslog_message_bytes_total counter",
           "kinesyslog_message_bytes_total{port=\"514\",source=\"other\"} 7\n",
           "# TYPE kinesyslog_listener_count gauge",
           "# TYPE kinesyslog_batch_records histogram",
           "# TYPE kinesyslog_batch_bytes histogram",
           "# TYPE kinesyslog_record_bytes histogram",
           "kinesyslog_spool_count{path=\"/var/spool/kinesyslog\"} 2\n",
           "kinesyslog_spool_age{path=\"/var/spool/kinesyslog\"} 1.5\n",
           "# TYPE kinesyslog_http_requests_total counter",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

// An alert compares kinesyslog_spool_bytes with the cap, and watches /health through the scrape.
TEST_F(MetricsEndpointTest, SpoolCapAndHealthAreSeries) {
  std::string text = scrape();
  EXPECT_EQ(text.find("kinesyslog_spool_max_bytes"), std::string::npos) << "no cap, no series:\n" << text;
  EXPECT_NE(text.find("# TYPE kinesyslog_healthy gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nkinesyslog_healthy 1\n"), std::string::npos) << text;

  source_.spool_max_bytes = 5'000'000;
  source_.is_healthy = false;
  text = scrape();
  EXPECT_NE(text.find("# TYPE kinesyslog_spool_max_bytes gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kinesyslog_spool_max_bytes{path=\"/var/spool/kinesyslog\"} 5000000\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nkinesyslog_healthy 0\n"), std::string::npos) << text;
}

TEST_F(MetricsEndpointTest, JournalSeriesCarryWhatTheJournalReported) {
  metrics::JournalCounters& journal = source_.counters.journal;
  journal.bytes.fetch_add(4096);
  journal.syncs.observe(300us);  // in the 0.0005 bucket
  journal.syncs.observe(2ms);    // in the 0.0025 bucket
  journal.syncs.observe(3s);     // above every bound
  journal.segments.store(2);
  journal.recovered_events.fetch_add(17);
  journal.errors.fetch_add(1);
  const std::string text = scrape();
  for (const char* line : {
           "# TYPE kinesyslog_journal_bytes_total counter",
           "kinesyslog_journal_bytes_total 4096\n",
           "# TYPE kinesyslog_journal_sync_seconds histogram",
           "kinesyslog_journal_sync_seconds_bucket{le=\"0.00025\"} 0\n",
           "kinesyslog_journal_sync_seconds_bucket{le=\"0.0005\"} 1\n",
           "kinesyslog_journal_sync_seconds_bucket{le=\"0.0025\"} 2\n",
           "kinesyslog_journal_sync_seconds_bucket{le=\"1\"} 2\n",
           "kinesyslog_journal_sync_seconds_bucket{le=\"+Inf\"} 3\n",
           "kinesyslog_journal_sync_seconds_count 3\n",
           "# TYPE kinesyslog_journal_segments gauge",
           "kinesyslog_journal_segments 2\n",
           "kinesyslog_journal_recovered_events_total 17\n",
           "kinesyslog_journal_errors_total 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsEndpointTest, MetricsCarryOurAdditions) {
  source_.counters.count_drop(metrics::DropReason::kTruncated, 5);
  const std::string text = scrape();
  for (const char* line : {
           "kinesyslog_dropped_messages_total{reason=\"truncated\"} 5\n",
           "kinesyslog_dropped_messages_total{reason=\"queue_full\"} 0\n",
           "kinesyslog_connections{port=\"514\"} 4\n",
           "kinesyslog_spool_bytes{path=\"/var/spool/kinesyslog\"} 900\n",
           "# TYPE kinesyslog_quarantined_records gauge",
           "kinesyslog_quarantined_records{path=\"/var/spool/kinesyslog\"} 3\n",
           "# TYPE kinesyslog_delivery_seconds histogram",
           "kinesyslog_build_info{version=\"" KINESYSLOG_VERSION "\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsEndpointTest, RelpPortsHaveTheirAcknowledgementsAndSessions) {
  EXPECT_EQ(scrape().find("kinesyslog_relp_"), std::string::npos);  // no RELP port: no RELP series
  source_.counters.relp_ports.try_emplace(2514);
  source_.counters.relp_ports.at(2514).frames_acked = 300;
  source_.counters.relp_ports.at(2514).sessions = 2;
  const std::string text = scrape();
  for (const char* line : {
           "# TYPE kinesyslog_relp_frames_acked_total counter",
           "kinesyslog_relp_frames_acked_total{port=\"2514\"} 300\n",
           "# TYPE kinesyslog_relp_sessions gauge",
           "kinesyslog_relp_sessions{port=\"2514\"} 2\n",
           "kinesyslog_dropped_messages_total{reason=\"relp_protocol_error\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

// Several --stream: each stream's delivery reports under its own label, the others stay untouched.
TEST(StreamMetrics, EachStreamsObservationsCarryItsLabel) {
  ManualClock clock{kEndpointNow};
  FakeSource source;
  metrics::RelayMetrics metrics{{{"alpha", "bravo"}, "/var/spool/kinesyslog"}, clock};
  DeliveryEventReporter alpha(metrics, 0);
  DeliveryEventReporter bravo(metrics, 1);
  bravo.call_starting(3, 4000);
  bravo.record_delivered(1000, kEndpointNow - 5s);
  bravo.record_failed("Slow down.");
  bravo.waiting(7);
  alpha.waiting(2);
  const std::string text = answer_metrics_request("GET", "/metrics", source, metrics).body;
  for (const char* line : {
           "kinesyslog_batch_records_count{stream=\"bravo\"} 1\n",
           "kinesyslog_batch_records_count{stream=\"alpha\"} 0\n",
           "kinesyslog_record_bytes_count{stream=\"bravo\"} 1\n",
           "kinesyslog_delivery_seconds_sum{stream=\"bravo\"} 5\n",
           "kinesyslog_batch_record_failed{error_message=\"Slow down.\",stream=\"bravo\"} 1\n",
           "# TYPE kinesyslog_delivery_waiting_records gauge",
           "kinesyslog_delivery_waiting_records{stream=\"alpha\"} 2\n",
           "kinesyslog_delivery_waiting_records{stream=\"bravo\"} 7\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsEndpointTest, DeliveryObservationsFillTheHistograms) {
  DeliveryEventReporter reporter(metrics_);
  reporter.call_starting(2, 3000);
  reporter.record_delivered(1000, kEndpointNow - 90s);
  reporter.record_delivered(2000, kEndpointNow - 10s);
  reporter.record_failed("Slow down.");
  const std::string text = scrape();
  for (const char* line : {
           "kinesyslog_batch_records_count{stream=\"my-stream\"} 1\n",
           "kinesyslog_batch_records_sum{stream=\"my-stream\"} 2\n",
           "kinesyslog_batch_bytes_sum{stream=\"my-stream\"} 3000\n",
           "kinesyslog_record_bytes_count{stream=\"my-stream\"} 2\n",
           "kinesyslog_delivery_seconds_sum{stream=\"my-stream\"} 100\n",
           "kinesyslog_delivery_seconds_bucket{stream=\"my-stream\",le=\"60\"} 1\n",
           "# TYPE kinesyslog_batch_record_failed counter",
           "kinesyslog_batch_record_failed{error_message=\"Slow down.\",stream=\"my-stream\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsEndpointTest, DistinctErrorMessagesAreCappedAndTheRestCountAsOther) {
  for (size_t i = 0; i < metrics::RelayMetrics::kMaxErrorMessages + 30; ++i) {
    metrics_.observe_failed(0, "error " + std::to_string(i));
  }
  const std::string text = scrape();
  size_t series = 0;
  for (size_t at = text.find("\nkinesyslog_batch_record_failed{"); at != std::string::npos;
       at = text.find("\nkinesyslog_batch_record_failed{", at + 1)) {
    ++series;
  }
  EXPECT_EQ(series, metrics::RelayMetrics::kMaxErrorMessages + 1);
  EXPECT_NE(text.find("kinesyslog_batch_record_failed{error_message=\"other\",stream=\"my-stream\"} 30\n"),
            std::string::npos);
}

TEST_F(MetricsEndpointTest, MetricsAreServedInThePrometheusTextFormat) {
  const net::HttpResponse response = get("/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(MetricsEndpointTest, HealthIsOkWhileTheRelayIsHealthyAndUnavailableOtherwise) {
  EXPECT_EQ(get("/health").status, 200);
  source_.is_healthy = false;
  EXPECT_EQ(get("/health").status, 503);
}

TEST_F(MetricsEndpointTest, AnyOtherPathIsNotFoundAndOtherMethodsAreNotAllowed) {
  EXPECT_EQ(get("/").status, 404);
  EXPECT_EQ(get("/metricsx").status, 404);
  EXPECT_EQ(get("/metrics", "POST").status, 405);
}

TEST_F(MetricsEndpointTest, RequestsAreCountedUnderBoundedLabels) {
  get("/metrics");
  get("/nope/1");
  get("/nope/2", "BREW");
  const std::string text = scrape();
  EXPECT_NE(text.find("kinesyslog_http_requests_total{method=\"GET\",path=\"/metrics\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kinesyslog_http_requests_total{method=\"GET\",path=\"other\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kinesyslog_http_requests_total{method=\"other\",path=\"other\"} 1\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace kinesyslog::relay
