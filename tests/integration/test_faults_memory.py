"""Faults around what the relay holds for its peers, against the real binary: thousands of
connections each holding an unfinished message (memory stays bounded, a bystander is served),
a small open-files limit with more connections than it allows (all delivered, no busy loop),
and a connection attempted during the shutdown drain (refused, or its lines delivered after a
restart). Every wait is bounded in time and every load loop in count."""
import contextlib
import os
import re
import resource
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
import uuid

from relay_harness import Relay, dump_events, free_port
from relay_probes import dropped, events_with, rss_kib, sample, scrape, syslog_line, wait_until
from test_firehose import STREAM, Endpoint, FirehoseRelay
from test_hostile import FlowingClient

MIB = 1024  # kB per MiB, for /proc figures
PARTIAL_TAG = re.compile(r"partial-\d+-[0-9a-f]{8}")


def cpu_seconds(pid):
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ensure_open_files(needed):
    """This test process opens the client sockets: make sure its own limit allows them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= needed


def connect_from(source, port, timeout=10):
    """A TCP connection to the relay from the loopback address `source` (any of 127/8)."""
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    connection.bind((source, 0))
    connection.connect(("127.0.0.1", port))
    return connection


def wait_until_steady(read, timeout, settle=1.0):
    """Polls `read()` until it has not changed for `settle` seconds (or `timeout`); returns it."""
    deadline = time.monotonic() + timeout
    last, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
        if value != last:
            last, since = value, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
    return last


class MemoryAndLimits(unittest.TestCase):
    def start_relay(self, *args, wrapper=(), udp=False):
        self.metrics_port = free_port()
        relay = Relay("--flush-age", "1", "--prometheus-port", str(self.metrics_port), *args, udp=udp)
        relay.args = list(wrapper) + relay.args
        relay.start()
        self.addCleanup(relay.cleanup)
        return relay

    def connections_gauge(self, relay):
        return sample(scrape(self.metrics_port), "kinesyslog_connections", f'port="{relay.port}"')

    def test_unfinished_messages_of_thousands_of_connections_stay_within_the_budget(self):
        count, size = 3000, 60000
        self.assertTrue(ensure_open_files(count + 300), "open-files limit too low for this test")
        relay = self.start_relay()
        flow = FlowingClient(relay.port)
        baseline = wait_until_steady(lambda: rss_kib(relay.process.pid), 5)
        # Four sources of 750 connections each, as four busy hosts would hold them.
        sources = [f"127.0.0.{2 + i % 4}" for i in range(count)]
        held, tags = [], []
        self.addCleanup(lambda: [connection.close() for connection in held])
        started = time.monotonic()
        for i in range(count):
            connection = connect_from(sources[i], relay.port)
            held.append(connection)
            tag = f"partial-{i}-{uuid.uuid4().hex[:8]}"
            tags.append(tag)
            line = syslog_line(tag + " ").encode()
            connection.sendall(line + b"x" * (size - len(line)))  # no terminator: unfinished
            self.assertLess(time.monotonic() - started, 90, "opening the connections took too long")
        self.assertTrue(wait_until(lambda: self.connections_gauge(relay) == count + 1, 20),
                        self.connections_gauge(relay))
        holding = wait_until_steady(lambda: rss_kib(relay.process.pid), 20)
        growth = holding - baseline
        print(f"\n  {count} connections x {size} unterminated bytes: RSS {baseline / MIB:.1f} -> "
              f"{holding / MIB:.1f} MiB (growth {growth / MIB:.1f} MiB), "
              f"truncated {dropped(self.metrics_port, 'truncated'):.0f}", flush=True)
        self.assertLessEqual(growth, 100 * MIB, "unfinished messages outside the memory budget")
        # The bystander is still served while they are all held.
        bystander = list(flow.sent)
        found = events_with(relay, bystander, timeout=20)
        self.assertEqual(sorted(found), sorted(bystander))
        # Every unfinished message is handed on once: cut short under the budget, or at close.
        for connection in held:
            connection.close()
        held.clear()
        self.assertTrue(wait_until(lambda: self.connections_gauge(relay) == 1, 20))
        flow_texts = flow.stop()
        self.assertIsNone(flow.error)
        self.assertEqual(relay.stop(), 0, relay.read_log()[-2000:])
        events = relay.delivered_events()
        handed_on = [match.group(0) for match in map(PARTIAL_TAG.search, (event["message"] for event in events))
                     if match]
        self.assertEqual(sorted(handed_on), sorted(tags))
        delivered_flow = {event["message"].rsplit(" ", 1)[-1] for event in events}
        self.assertFalse(set(flow_texts) - delivered_flow)

    def hold_many_connections(self, relay, count, lines_each):
        """Opens `count` connections at once, each sending `lines_each` lines, and keeps them
        open for 3 s before closing them. Returns (texts sent, relay CPU seconds while held)."""
        self.assertTrue(ensure_open_files(count + 300))
        connections, texts = [], []
        self.addCleanup(lambda: [connection.close() for connection in connections])
        for i in range(count):
            connection = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            connections.append(connection)
            batch = [f"many-{i}-{j}-{uuid.uuid4().hex[:8]}" for j in range(lines_each)]
            connection.sendall("".join(syslog_line(text) + "\n" for text in batch).encode())
            texts += batch
        cpu_before = cpu_seconds(relay.process.pid)
        time.sleep(3)
        cpu_held = cpu_seconds(relay.process.pid) - cpu_before
        for connection in connections:
            connection.close()
        connections.clear()
        return texts, cpu_held

    def assert_all_delivered(self, relay, texts, timeout=40):
        found = events_with(relay, texts, timeout)
        missing = [text for text in texts if len(found.get(text, [])) != 1]
        self.assertFalse(missing, f"{len(missing)} of {len(texts)} lines not delivered once:\n"
                                  f"{relay.read_log()[-3000:]}")

    def test_a_low_soft_open_files_limit_is_raised_to_the_hard_one(self):
        relay = self.start_relay(wrapper=("prlimit", "--nofile=256:20000", "--"))
        texts, cpu_held = self.hold_many_connections(relay, 600, 5)
        print(f"\n  soft limit 256, hard 20000, 600 connections: relay CPU {cpu_held:.2f} s "
              f"while they were held for 3 s", flush=True)
        self.assertLess(cpu_held, 1.0, "the relay spins while connections are held")
        self.assert_all_delivered(relay, texts)
        self.assertIn("open files: soft limit 20000 (was 256)", relay.read_log())

    def test_more_connections_than_the_hard_open_files_limit_wait_and_are_all_delivered(self):
        relay = self.start_relay(wrapper=("prlimit", "--nofile=256:512", "--"))
        texts, cpu_held = self.hold_many_connections(relay, 600, 5)
        print(f"\n  soft limit 256, hard 512, 600 connections: relay CPU {cpu_held:.2f} s "
              f"while they were held for 3 s", flush=True)
        self.assertLess(cpu_held, 1.0, "the relay spins while connections are held")
        self.assert_all_delivered(relay, texts)
        self.assertEqual(relay.stop(), 0)
        log = relay.read_log()
        self.assertIn("at most 256 connections", log)
        self.assertIn("new connections wait in the kernel's queue", log)  # the cap was reached
        self.assertNotIn("Too many open files", log)

    def test_a_connection_during_the_shutdown_drain_is_refused_or_delivered(self):
        workdir = tempfile.mkdtemp(prefix="kinesyslog-drain-")
        self.addCleanup(shutil.rmtree, workdir, True)
        endpoint = Endpoint(workdir)
        self.addCleanup(endpoint.stop)
        relay = FirehoseRelay(workdir, endpoint.port, STREAM)
        relay.start()
        self.addCleanup(relay.stop)
        early = [f"early-{i}-{uuid.uuid4().hex[:8]}" for i in range(50)]
        with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as connection:
            connection.sendall("".join(syslog_line(text) + "\n" for text in early).encode())
        time.sleep(0.5)
        # Every Firehose call now takes 5 s: the shutdown's final delivery keeps the process
        # alive for seconds after its listeners should be gone.
        endpoint.admin("/_admin/faults", {"stall": 5, "stall_calls": -1})
        time.sleep(1.5)  # the early lines are in a call that stalls
        relay.process.send_signal(signal.SIGTERM)
        attempts, refused, late = 0, 0, []
        deadline = time.monotonic() + 30
        while relay.process.poll() is None and time.monotonic() < deadline:
            attempts += 1
            try:
                with socket.create_connection(("127.0.0.1", relay.port), timeout=1) as connection:
                    batch = [f"late-{attempts}-{j}-{uuid.uuid4().hex[:8]}" for j in range(10)]
                    with contextlib.suppress(OSError):
                        connection.sendall("".join(syslog_line(text) + "\n" for text in batch).encode())
                        late += batch
            except ConnectionRefusedError:
                refused += 1
            time.sleep(0.1)
        relay.process.wait(timeout=30)
        relay.log.close()
        relay.process = None
        print(f"\n  during the drain: {attempts} connection attempts, {refused} refused, "
              f"{len(late)} lines sent on accepted ones", flush=True)
        self.assertGreater(refused, 0, "no connection attempt was refused during the drain")
        endpoint.admin("/_admin/reset", {"counters": False})
        again = FirehoseRelay(workdir, endpoint.port, STREAM)
        again.start()
        self.addCleanup(again.stop)
        wanted = set(early) | set(late)

        def delivered():
            return {event["message"].rsplit(" ", 1)[-1] for event in dump_events(endpoint.objects())}
        wait_until(lambda: wanted <= delivered(), 40, 0.5)
        missing = sorted(wanted - delivered())
        self.assertEqual(missing[:5], [], f"{len(missing)} of {len(wanted)} lines were lost "
                                          f"({len([m for m in missing if m.startswith('late-')])} late)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
