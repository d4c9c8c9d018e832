"""A burst from many sources: one small message from each of 40,000 loopback addresses (each its
own batch, so its own small record), then SIGTERM. Every message must reach the Firehose stand-in
exactly once (the relay exits, and a second start delivers whatever the first left in its spool or
journal), and the relay must exit. How long the exit takes is printed, not asserted: the benchmark
bench/spool_throughput.py reports it; a generous bound only guards against a hang."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from relay_harness import BINARY, RelayProcess, aws_test_env, dump_events, free_port
from relay_probes import scrape, wait_until
from test_firehose import STREAM, Endpoint, message_numbers

SOURCES = 40_000
HANG_GUARD = 60.0  # seconds from SIGTERM to exit; only a hang trips it
SEND_BUDGET = 180.0  # seconds for the whole send loop
CHUNK = 5000  # datagrams sent before waiting for the relay to count them (no kernel drops)


def source_addresses(count):
    """`count` distinct 127.x.y.z addresses (any of 127.0.0.0/8 binds without setup), avoiding .0 and .255."""
    addresses = []
    n = 1 << 16  # from 127.1.0.0 on: clear of 127.0.0.1, where the relay listens
    while len(addresses) < count:
        if n & 0xFF not in (0, 0xFF):
            addresses.append(f"127.{(n >> 16) & 0xFF}.{(n >> 8) & 0xFF}.{n & 0xFF}")
        n += 1
    return addresses


def received_messages(metrics_port):
    """The sum of kinesyslog_message_count_total over every source."""
    total = 0.0
    for line in scrape(metrics_port).splitlines():
        if line.startswith("kinesyslog_message_count_total"):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


class BurstRelay(RelayProcess):
    """kinesyslog listen on UDP, delivering to the stand-in (or, with `output_dir`, into that
    directory); batches close when the open-batch memory cap or SIGTERM closes them."""

    def __init__(self, workdir, endpoint_port, binary=BINARY, output_dir=None):
        super().__init__(workdir, free_port())
        self.metrics_port = free_port()
        url = f"http://127.0.0.1:{endpoint_port}"
        destination = (["--output-dir", output_dir] if output_dir else
                       ["--stream", STREAM, "--region", "us-east-1", "--endpoint-url", url])
        self.args = [binary, "listen", *destination,
                     "--address", "127.0.0.1", "--tls-port", "0", "--tcp-port", str(self.port),
                     "--udp-port", str(self.port), "--prometheus-port", str(self.metrics_port),
                     "--spool-dir", self.spool_dir, "--delivery-interval", "1"]
        self.env = aws_test_env(AWS_ENDPOINT_URL_STS=url)

    def terminate_and_time(self, timeout=HANG_GUARD):
        """SIGTERM; (exit code or None when it hung, seconds until it exited)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        return code, time.monotonic() - started

    def stop(self, timeout=None):
        """Kills it: a test that still needs it stopped has already timed its SIGTERM."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return super().stop()


def send_burst(relay, addresses, budget=SEND_BUDGET):
    """One numbered message from each address; after every CHUNK, waits until the relay counted
    them (a socket buffer overrun would otherwise drop datagrams). Returns the number sent."""
    deadline = time.monotonic() + budget
    sent = 0
    for number, address in enumerate(addresses):
        if time.monotonic() >= deadline:
            break
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.bind((address, 0))
            sender.sendto(f"<13>1 2026-03-01T09:05:07.123Z host app - - - message {number:08d} burst".encode(),
                          ("127.0.0.1", relay.port))
        sent += 1
        if sent % CHUNK == 0 or sent == len(addresses):
            wait_until(lambda: received_messages(relay.metrics_port) >= sent,
                       max(0.0, min(10.0, deadline - time.monotonic())), 0.25)
    return sent


def output_objects(directory):
    return sorted(os.path.join(root, name) for root, _, names in os.walk(directory) for name in names
                  if not name.startswith("."))


def run_burst(sources=SOURCES, binary=BINARY, to_output_dir=False):
    """Starts the stand-in and a relay (`binary`), sends the burst, SIGTERMs. Returns a dict of
    figures and what was delivered; shared by the test and bench/spool_throughput.py. With
    `to_output_dir` the relay writes into a directory instead: delivery then costs next to
    nothing, so the time to exit is the spool's."""
    workdir = tempfile.mkdtemp(prefix="kinesyslog-burst-")
    endpoint = Endpoint(workdir)
    output_dir = os.path.join(workdir, "output") if to_output_dir else None
    delivered_objects = (lambda: output_objects(output_dir)) if to_output_dir else endpoint.objects
    relay = BurstRelay(workdir, endpoint.port, binary, output_dir)
    try:
        relay.start()
        sent = send_burst(relay, source_addresses(sources))
        received = received_messages(relay.metrics_port)
        code, seconds = relay.terminate_and_time()
        spooled_after_exit = sum(1 for name in os.listdir(relay.spool_dir) if name.startswith("firehose_event-"))
        delivered_at_exit = len(dump_events(delivered_objects()))
        # Whatever the first run left (spool files, journaled events) goes out on the next start.
        relay.log.close()
        second = BurstRelay(workdir, endpoint.port, binary, output_dir)
        second.start()
        try:
            wait_until(lambda: len(dump_events(delivered_objects())) >= sent, 180, 1.0)
            second.terminate_and_time()
        finally:
            second.stop()
        return {"sent": sent, "received": received, "exit_code": code, "exit_seconds": seconds,
                "delivered_at_exit": delivered_at_exit, "spooled_after_exit": spooled_after_exit,
                "delivered": message_numbers(dump_events(delivered_objects())),
                "log": relay.read_log(), "calls": endpoint.counters()}
    finally:
        relay.process and relay.process.poll() is None and relay.stop()
        endpoint.stop()
        shutil.rmtree(workdir, ignore_errors=True)


class SpoolBurst(unittest.TestCase):
    def test_every_message_of_a_burst_from_many_sources_arrives_once_and_the_relay_exits(self):
        result = run_burst()
        print(f"\nburst: {result['sent']} sources, exit {result['exit_seconds']:.1f} s after SIGTERM "
              f"(code {result['exit_code']}), {result['delivered_at_exit']} delivered and "
              f"{result['spooled_after_exit']} spooled at exit")
        self.assertEqual(result["sent"], SOURCES, "the send loop ran out of time")
        self.assertEqual(result["received"], SOURCES, "the relay did not count every datagram")
        self.assertEqual(result["exit_code"], 0, f"no clean exit within {HANG_GUARD} s:\n{result['log'][-3000:]}")
        delivered = result["delivered"]
        missing = [n for n in range(SOURCES) if delivered[n] == 0]
        twice = [n for n, times in delivered.items() if times > 1]
        self.assertEqual(missing[:10], [], f"{len(missing)} messages missing")
        self.assertEqual(twice[:10], [], f"{len(twice)} messages delivered more than once")


if __name__ == "__main__":
    unittest.main()
