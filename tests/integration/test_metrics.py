"""The --prometheus-port endpoint of the real relay: /metrics after real traffic (checked with
promtool and against what was sent), /health, 404, and bounded labels and memory when a
scan arrives from many source addresses."""
import os
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from relay_harness import Relay, free_port, tool
from relay_probes import SAMPLE, rss_kib

# promtool's naming lints that the original's metric names (docs/behaviour.md §6.1, kept on purpose) trip.
ORIGINAL_NAME_LINTS = {
    'kinesyslog_listener_count non-histogram and non-summary metrics should not have "_count" suffix',
    'kinesyslog_spool_count non-histogram and non-summary metrics should not have "_count" suffix',
    'kinesyslog_batch_record_failed counter metrics should have "_total" suffix',
}


def http_get(port, path, timeout=5):
    """(status, body) of one GET on loopback."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(text, name):
    """{labels text: value} of every sample of metric `name`."""
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and match.group(1) == name:
            found[match.group(2) or ""] = float(match.group(3))
    return found


class MetricsEndpoint(unittest.TestCase):
    def start_relay(self, *args):
        self.metrics_port = free_port()
        relay = Relay("--prometheus-port", str(self.metrics_port), "--flush-age", "1", *args)
        relay.start()
        self.addCleanup(relay.cleanup)
        return relay

    def wait_for(self, condition, timeout=20):
        """Scrapes until `condition(text)` holds; returns the last scrape."""
        deadline = time.monotonic() + timeout
        while True:
            status, text = http_get(self.metrics_port, "/metrics")
            self.assertEqual(status, 200)
            if condition(text) or time.monotonic() > deadline:
                return text
            time.sleep(0.2)

    def test_metrics_count_what_was_sent_and_pass_promtool(self):
        relay = self.start_relay()
        udp_messages, tcp_messages = 200, 300
        sent_bytes = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for i in range(udp_messages):
                message = f"<13>1 2026-11-24T10:00:00Z host app - - - udp {i}".encode()
                sent_bytes += len(message)
                udp.sendto(message, ("127.0.0.1", relay.port))
                if i % 50 == 0:
                    time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", relay.port), timeout=5) as tcp:
            for i in range(tcp_messages):
                message = f"<13>1 2026-11-24T10:00:00Z host app - - - tcp {i}".encode()
                sent_bytes += len(message)
                tcp.sendall(message + b"\n")
        series = f'port="{relay.port}",source="127.0.0.1"'
        total = udp_messages + tcp_messages
        text = self.wait_for(lambda t: samples(t, "kinesyslog_message_count_total").get(series) == total
                             and samples(t, "kinesyslog_spool_count").get(f'path="{relay.spool_dir}"') == 0
                             and samples(t, "kinesyslog_delivery_seconds_count").get('stream="kinesyslog"', 0) >= 1)
        self.assertEqual(samples(text, "kinesyslog_message_count_total"), {series: total})
        self.assertEqual(samples(text, "kinesyslog_message_bytes_total"), {series: sent_bytes})
        self.assertEqual(samples(text, "kinesyslog_listener_count")[""], 2)  # one TCP and one UDP listener
        self.assertEqual(samples(text, "kinesyslog_dropped_messages_total")['reason="truncated"'], 0)
        self.assertGreaterEqual(samples(text, "kinesyslog_delivery_seconds_count")['stream="kinesyslog"'], 1)
        self.assertEqual(len(samples(text, "kinesyslog_build_info")), 1)

        checked = subprocess.run([tool("promtool"), "check", "metrics"], input=text.encode(), capture_output=True,
                                 timeout=30)
        problems = {line.strip() for line in (checked.stdout + checked.stderr).decode().splitlines() if line.strip()}
        # 3 is promtool's "lint problems" (1 would be a parse error); only the original's names may be flagged.
        self.assertIn(checked.returncode, (0, 3), problems)
        self.assertLessEqual(problems, ORIGINAL_NAME_LINTS)

    def test_health_is_ok_and_unknown_paths_are_not_found(self):
        self.start_relay()
        self.assertEqual(http_get(self.metrics_port, "/health"), (200, "ok\n"))
        self.assertEqual(http_get(self.metrics_port, "/nothing-here")[0], 404)
        text = self.wait_for(lambda t: True)
        self.assertEqual(samples(text, "kinesyslog_http_requests_total")['method="GET",path="/health"'], 1)

    def test_open_connections_are_shown_per_port(self):
        relay = self.start_relay()
        connections = [socket.create_connection(("127.0.0.1", relay.port), timeout=5) for _ in range(3)]
        try:
            text = self.wait_for(lambda t: samples(t, "kinesyslog_connections").get(f'port="{relay.port}"') == 3)
            self.assertEqual(samples(text, "kinesyslog_connections")[f'port="{relay.port}"'], 3)
        finally:
            for connection in connections:
                connection.close()

    def test_metrics_port_in_use_is_a_configuration_error(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            relay = Relay("--prometheus-port", str(port))
            self.addCleanup(relay.cleanup)
            relay.start(wait_tcp=False)
            self.assertEqual(relay.process.wait(timeout=15), 78, relay.read_log())
        self.assertIn(str(port), relay.read_log())

    def test_a_scan_from_many_addresses_keeps_labels_and_memory_bounded(self):
        relay = self.start_relay()
        rss_before = rss_kib(relay.process.pid)
        # The figure. Every new source becomes its own record and fsync'd spool file (see the
        # spool's group-commit note), so the relay falls behind such a scan and the kernel drops
        # datagrams: what matters is that every one is either counted or counted as dropped.
        sources = 100_000
        started = time.monotonic()
        for i in range(sources):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind((f"127.{1 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}", 0))
                udp.sendto(b"<13>1 2026-11-24T10:00:00Z scan app - - - probe", ("127.0.0.1", relay.port))
            if i % 500 == 0:
                time.sleep(0.005)
            self.assertLess(time.monotonic() - started, 240, "sending took too long")
        count = lambda t: sum(samples(t, "kinesyslog_message_count_total").values())
        overflow = lambda t: samples(t, "kinesyslog_dropped_messages_total")['reason="udp_overflow"']
        # One tiny record and two syncs per source: on a loaded disk the relay needs a while to read it all.
        text = self.wait_for(lambda t: count(t) + overflow(t) >= sources, timeout=150)
        self.assertEqual(count(text) + overflow(text), sources)
        series = samples(text, "kinesyslog_message_count_total")
        cap = 1000 * os.cpu_count() + 1  # per I/O thread, plus source="other" for the port
        self.assertLessEqual(len(series), cap)
        self.assertIn(f'port="{relay.port}",source="other"', series)
        rss_after = rss_kib(relay.process.pid)
        print(f"\n{sources} sources: {len(series)} source series, {overflow(text):.0f} dropped by the kernel, "
              f"/metrics {len(text)} bytes, "
              f"RSS {rss_before} KiB before, {rss_after} KiB after, {time.monotonic() - started:.1f} s")
        self.assertLess(len(text), 1_000_000)
        self.assertLess(rss_after, 512 * 1024)


if __name__ == "__main__":
    unittest.main()
