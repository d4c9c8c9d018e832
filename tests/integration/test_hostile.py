"""Hostile and careless senders against the real relay: oversize frames (truncated, counted, the
connection kept), a sender that trickles one byte every 0.2 s, thousands of idle connections,
and garbage where a PROXY header belongs. Throughout, another client's messages keep flowing
and are delivered; each test prints the relay's peak RSS (VmHWM)."""
import contextlib
import os
import resource
import socket
import threading
import time
import unittest
import uuid

from relay_harness import Relay, free_port
from relay_probes import (closed_by_peer, dropped, events_with, peak_rss_kib, proxy_v1, rss_kib, sample, scrape,
                          syslog_line, wait_until)

RSS_LIMIT_KIB = 256 * 1024  # far above what each test needs; a leak or unbounded buffer shows here


class FlowingClient(threading.Thread):
    """Sends one message every `interval` seconds on its own connection until stopped (at most
    `limit` messages)."""

    def __init__(self, port, header=b"", interval=0.1, limit=3000):
        super().__init__(daemon=True)
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        if header:
            self.connection.sendall(header)
        self.interval, self.limit = interval, limit
        self.sent, self.error = [], None
        self.stopping = threading.Event()
        self.start()

    def run(self):
        try:
            for i in range(self.limit):
                if self.stopping.is_set():
                    break
                text = f"flow-{i}-{uuid.uuid4().hex}"
                self.connection.sendall(syslog_line(text).encode() + b"\n")
                self.sent.append(text)
                self.stopping.wait(self.interval)
        except OSError as error:
            self.error = error

    def stop(self):
        self.stopping.set()
        self.join(10)
        self.connection.close()
        return list(self.sent)


def report_peak(test, relay, label):
    peak = peak_rss_kib(relay.process.pid)
    print(f"\n  {label}: relay peak RSS {peak / 1024:.1f} MiB", flush=True)
    test.assertLess(peak, RSS_LIMIT_KIB, label)
    return peak


class Hostile(unittest.TestCase):
    def start_relay(self, *args, proxy=False, tcp=True, udp=True):
        self.metrics_port = free_port()
        relay = Relay("--flush-age", "1", "--prometheus-port", str(self.metrics_port), *args, tcp=tcp, udp=udp)
        if proxy:
            relay.args += ["--proxy-protocol", str(relay.port)]
        relay.start()
        self.addCleanup(relay.cleanup)
        return relay

    def assert_flow_delivered(self, relay, flow_texts, stream="127.0.0.1", timeout=30):
        found = events_with(relay, flow_texts, timeout)
        missing = [text for text in flow_texts if len(found.get(text, [])) != 1]
        self.assertFalse(missing, f"{len(missing)} of {len(flow_texts)} flowing messages not delivered once")
        self.assertEqual({event["logStream"] for events in found.values() for event in events}, {stream})

    def test_oversize_frames_are_truncated_counted_and_the_connection_kept(self):
        limit = 1024
        relay = self.start_relay("--max-message-size", str(limit))
        flow = FlowingClient(relay.port)
        normal = [f"normal-{i}-{uuid.uuid4().hex}" for i in range(5)]
        long_lf = syslog_line(f"long-lf-{uuid.uuid4().hex} ") + "A" * (1 << 20)
        long_octet = syslog_line(f"long-octet-{uuid.uuid4().hex} ") + "B" * (1 << 20)
        flood = syslog_line(f"flood-{uuid.uuid4().hex} ") + "C" * (48 << 20)
        with socket.create_connection(("127.0.0.1", relay.port), timeout=30) as connection:
            def line(text):
                connection.sendall(syslog_line(text).encode() + b"\n")
            line(normal[0])
            connection.sendall(long_lf.encode() + b"\n")
            line(normal[1])
            connection.sendall(f"{len(long_octet)} {long_octet}".encode())
            line(normal[2])
            connection.sendall(flood.encode() + b"\n")  # 48 MiB in one frame
            line(normal[3])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp_long = syslog_line(f"long-udp-{uuid.uuid4().hex} ") + "D" * 60000
                udp.sendto(udp_long.encode(), ("127.0.0.1", relay.port))
            found = events_with(relay, normal[:4])
            self.assertEqual(sorted(found), sorted(normal[:4]), relay.read_log())
            # Still open and served after all that.
            self.assertFalse(closed_by_peer(connection, 0.5))
            line(normal[4])
            self.assertEqual(len(events_with(relay, normal[4:]).get(normal[4], [])), 1)
        self.assertTrue(wait_until(lambda: dropped(self.metrics_port, "truncated") == 4, 10))
        self.assertEqual(dropped(self.metrics_port, "truncated"), 4)
        report_peak(self, relay, "oversize frames (1 MiB, 1 MiB octet-counted, 48 MiB; limit 1 KiB)")
        flow_texts = flow.stop()
        self.assertIsNone(flow.error)
        self.assertEqual(relay.stop(), 0)
        events = relay.delivered_events()
        messages = {event["message"] for event in events}
        for whole in (long_lf, long_octet, flood, udp_long):
            self.assertIn(whole[:limit], messages)  # truncated to the limit, the rest discarded
        self.assertEqual(max(len(event["message"]) for event in events), limit)
        self.assert_flow_delivered(relay, flow_texts)

    def test_slow_sender_is_still_delivered(self):
        relay = self.start_relay()
        flow = FlowingClient(relay.port)
        tag = f"slow-{uuid.uuid4().hex[:6]}"
        message = f"<13>Nov 24 10:00:00 host {tag}\n".encode()  # RFC 3164, 33 bytes: ~6.6 s
        slow = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
        self.addCleanup(slow.close)
        done = threading.Event()

        def trickle():
            for byte in message:
                slow.sendall(bytes([byte]))
                time.sleep(0.2)
            done.set()
        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        # While the slow sender is half-way, the other client's messages already arrive.
        time.sleep(3)
        self.assertFalse(done.is_set())
        midway = list(flow.sent)
        self.assert_flow_delivered(relay, midway, timeout=10)
        self.assertFalse(done.is_set(), "the slow sender finished before the check: make it slower")
        sender.join(20)
        self.assertTrue(done.is_set())
        found = events_with(relay, [tag])
        self.assertEqual([event["message"] for event in found.get(tag, [])], [message.decode().rstrip("\n")])
        report_peak(self, relay, "slow sender")
        flow_texts = flow.stop()
        self.assertIsNone(flow.error)
        self.assert_flow_delivered(relay, flow_texts)

    def test_thousands_of_idle_connections(self):
        wanted = 3000
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        needed = wanted + 200
        if soft < needed:  # the relay, started after this, inherits the limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
        count = min(wanted, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
        self.assertGreaterEqual(count, 1000, f"open-files limit too low: soft {soft}, hard {hard}")
        relay = self.start_relay("--max-connections-per-source", str(count + 10), udp=False)  # all from 127.0.0.1
        baseline_rss = rss_kib(relay.process.pid)
        flow = FlowingClient(relay.port)
        idle, partial = [], {}
        self.addCleanup(lambda: [connection.close() for connection in idle])
        started = time.monotonic()
        for i in range(count):
            connection = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            idle.append(connection)
            if i % 2 == 0:  # half of them hold the start of a message with no end yet
                text = f"partial-{i}-{uuid.uuid4().hex}"
                partial[text] = connection
                connection.sendall(syslog_line(text).encode())  # no terminator
            self.assertLess(time.monotonic() - started, 120, "opening the connections took too long")
        gauge = f'port="{relay.port}"'
        self.assertTrue(wait_until(lambda: sample(scrape(self.metrics_port), "kinesyslog_connections", gauge)
                                   == count + 1, 20),
                        sample(scrape(self.metrics_port), "kinesyslog_connections", gauge))
        # With them all open, the flowing client is still served.
        self.assert_flow_delivered(relay, list(flow.sent), timeout=15)
        held_rss = rss_kib(relay.process.pid)
        peak = report_peak(self, relay, f"{count} idle connections ({len(partial)} holding half a message)")
        print(f"  RSS before {baseline_rss / 1024:.1f} MiB, with them open {held_rss / 1024:.1f} MiB "
              f"({(held_rss - baseline_rss) * 1024 / count:.0f} bytes a connection)", flush=True)
        self.assertLess(peak, RSS_LIMIT_KIB)
        # Closing them hands on the unterminated messages; the gauge goes back down.
        for connection in idle:
            connection.close()
        idle.clear()
        self.assertTrue(wait_until(lambda: sample(scrape(self.metrics_port), "kinesyslog_connections", gauge) == 1,
                                   20))
        found = events_with(relay, list(partial), timeout=30)
        self.assertEqual(len(found), len(partial))
        flow_texts = flow.stop()
        self.assertIsNone(flow.error)
        self.assert_flow_delivered(relay, flow_texts)

    def test_garbage_instead_of_a_proxy_header(self):
        relay = self.start_relay(proxy=True, udp=False)
        self.assertTrue(wait_until(lambda: dropped(self.metrics_port, "bad_proxy_header") >= 1, 10))  # harness probe
        baseline = dropped(self.metrics_port, "bad_proxy_header")
        flow = FlowingClient(relay.port, header=proxy_v1("127.0.0.8", "127.0.0.1", 40000, relay.port))
        refused = 0
        # Garbage that is refused at once: random bytes, HTTP, and floods of 1 MiB.
        for i in range(300):
            with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as connection:
                with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                    connection.sendall(os.urandom(4096) if i % 2 else b"GET / HTTP/1.0\r\n\r\n")
                self.assertTrue(closed_by_peer(connection, 5))
                refused += 1
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as connection:
                with contextlib.suppress(ConnectionResetError, BrokenPipeError, socket.timeout):
                    connection.sendall(b"\x00" * (1 << 20))
                self.assertTrue(closed_by_peer(connection, 5))
                refused += 1
        # Garbage that looks like the start of a header and then stalls: held until the 5 s
        # deadline. v2 signatures announcing 65,535 bytes with 32 KiB of them sent, and v1 lines
        # cut short.
        v2_announcing_max = b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff" + os.urandom(32 << 10)
        stalled = []
        self.addCleanup(lambda: [connection.close() for connection in stalled])
        for i in range(1500):
            connection = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            connection.sendall(v2_announcing_max if i % 3 else b"PROXY TCP4 127.0.0.")
            stalled.append(connection)
        opened = time.monotonic()
        held = rss_kib(relay.process.pid)
        self.assertTrue(wait_until(lambda: all(closed_by_peer(c, 0.01) for c in stalled[-10:]), 15),
                        "stalled headers were not timed out")
        self.assertTrue(all(closed_by_peer(connection, 1) for connection in stalled))
        self.assertGreaterEqual(time.monotonic() - opened, 3)
        expected = refused + len(stalled)
        self.assertTrue(wait_until(
            lambda: dropped(self.metrics_port, "bad_proxy_header") - baseline == expected, 10),
            dropped(self.metrics_port, "bad_proxy_header") - baseline)
        print(f"\n  RSS with {len(stalled)} stalled headers ({len(stalled) * 2 // 3} v2 at 32 KiB) "
              f"{held / 1024:.1f} MiB", flush=True)
        report_peak(self, relay, f"garbage PROXY headers ({refused} refused, {len(stalled)} stalled)")
        flow_texts = flow.stop()
        self.assertIsNone(flow.error)
        self.assert_flow_delivered(relay, flow_texts, stream="127.0.0.8")


if __name__ == "__main__":
    unittest.main(verbosity=2)
