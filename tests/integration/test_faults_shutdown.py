"""Faults at shutdown: SIGTERM while AWS is unreachable and the encoder queue is full, or while the
spool's disk is full, must end the process with exit 0 within 10 s, and keep (or count) every
message the relay took in."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from relay_harness import dump_events, free_port
from relay_probes import wait_until
from test_firehose import ACCOUNT, STREAM, Endpoint, FirehoseRelay, message_numbers

SHUTDOWN_BUDGET = 10.0  # seconds from SIGTERM to exit, the relay's promise


def kib_lines(first, count):
    """`count` numbered syslog lines of 1 KiB each."""
    head = "<13>1 2026-03-01T09:05:07.123Z host app - - - message "
    return b"".join(f"{head}{n:08d} {'x' * (1023 - len(head) - 10)}\n".encode() for n in range(first, first + count))


def send_in_background(port, payload, timeout):
    """Writes `payload` on one TCP connection from a thread; the relay may push back (full
    queue), so the write is bounded by `timeout` and whatever was not sent is simply left."""
    def run():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
                connection.sendall(payload)
        except OSError:
            pass
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def received_count(log):
    found = re.findall(r"stopped: (\d+) messages received", log)
    return int(found[-1]) if found else None


def terminate_and_time(relay, timeout=30):
    started = time.monotonic()
    relay.process.send_signal(signal.SIGTERM)
    try:
        code = relay.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        relay.process.kill()
        relay.process.wait()
        code = None
    return code, time.monotonic() - started


class ShutdownDuringFaults(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-faults-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def stop_within_budget(self, relay, case):
        """SIGTERM; the relay must exit 0 within the budget. Returns its log."""
        code, elapsed = terminate_and_time(relay)
        log = relay.read_log()
        print(f"\n{case}: SIGTERM to exit {elapsed:.2f} s, exit {code}", flush=True)
        self.assertEqual(code, 0, log[-3000:])
        self.assertLess(elapsed, SHUTDOWN_BUDGET + 0.5, log[-3000:])
        return log

    def relay(self, endpoint_port, *extra, cached_account=True):
        relay = FirehoseRelay(self.workdir, endpoint_port, STREAM, *extra)
        if cached_account:
            with open(os.path.join(relay.spool_dir, ".kinesyslog-account"), "w") as cache:
                cache.write(ACCOUNT + "\n")
        return relay

    def test_sigterm_with_aws_down_and_a_full_queue_exits_in_time_and_keeps_every_message(self):
        port = free_port()  # nothing answers here until the second start
        relay = self.relay(port).start()
        self.addCleanup(relay.stop)
        count = 30000
        sender = send_in_background(relay.port, kib_lines(0, count), timeout=20)
        time.sleep(3)
        log = self.stop_within_budget(relay, "outage + full queue")
        received = received_count(log)
        self.assertIsNotNone(received, log[-3000:])
        self.assertGreater(received, 0)
        self.assertNotIn("dropped", log, "nothing may be dropped when the account is cached and the disk works")
        sender.join(timeout=25)

        endpoint = Endpoint(self.workdir, port)
        self.addCleanup(endpoint.stop)
        again = FirehoseRelay(self.workdir, port, STREAM).start()
        self.addCleanup(again.stop)
        delivered = wait_until(lambda: (lambda numbers: numbers if all(numbers[n] for n in range(received)) else None)(
            message_numbers(dump_events(endpoint.objects()))), 90, 1.0)
        print(f"outage + full queue: {received} messages received before SIGTERM, "
              f"{sum(delivered.values()) if delivered else 0} delivered after the restart", flush=True)
        self.assertTrue(delivered, f"not every received message was delivered:\n{again.read_log()[-3000:]}")

    def test_sigterm_before_sts_ever_answered_and_no_cached_account_exits_in_time_and_counts_the_loss(self):
        port = free_port()
        relay = self.relay(port, cached_account=False).start()
        self.addCleanup(relay.stop)
        sender = send_in_background(relay.port, kib_lines(0, 30000), timeout=20)
        time.sleep(3)
        log = self.stop_within_budget(relay, "no account, AWS down")
        # A record without its account would be wrong: what is lost is said and counted.
        self.assertRegex(log, r"dropped at shutdown|gave up")
        sender.join(timeout=25)

    def test_sigterm_while_the_spool_disk_is_full_exits_in_time_and_counts_what_was_lost(self):
        spool = os.path.join(self.workdir, "spool")
        os.makedirs(spool, exist_ok=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", spool]).returncode != 0:
            self.skipTest("cannot mount a tmpfs here (not root?)")
        self.addCleanup(subprocess.run, ["umount", "-l", spool])
        endpoint = Endpoint(self.workdir)
        self.addCleanup(endpoint.stop)
        relay = FirehoseRelay(self.workdir, endpoint.port, STREAM).start()
        self.addCleanup(relay.stop)
        # Fill the disk (the file is not a record, so the relay ignores it): every spool write
        # now fails with ENOSPC, and nothing waits in the spool whose delivery could free room.
        subprocess.run(["dd", "if=/dev/zero", f"of={os.path.join(spool, 'filler')}", "bs=1M"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sender = send_in_background(relay.port, kib_lines(0, 30000), timeout=20)
        time.sleep(4)
        log = self.stop_within_budget(relay, "full spool disk")
        self.assertIn("No space left on device", log)
        lost = re.findall(r"(\d+) were counted as spool_failed", log)
        self.assertTrue(lost and int(lost[-1]) > 0, f"the loss must be logged with its count:\n{log[-3000:]}")
        print(f"full spool disk: {lost[-1]} events counted as spool_failed", flush=True)
        sender.join(timeout=25)


if __name__ == "__main__":
    unittest.main(verbosity=2)
