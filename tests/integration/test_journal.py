"""The write-ahead journal: a relay SIGKILLed while batches are open (default flush age, 60 s)
loses at most what the last journal sync had not covered, and replays nothing twice; without the
journal the same kill loses every message since start. Damaged journal files at start (a torn
tail, a segment of garbage) are dropped or quarantined, and everything else is delivered."""
import glob
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
from collections import Counter

from relay_harness import Relay

RATE = 5000                # messages per second over one TCP connection
KILL_AFTER = 8.0           # seconds of sending before SIGKILL
MAX_MESSAGES = int(RATE * KILL_AFTER * 2)  # the sender's bound, whatever happens
TICK = 0.01                # the sender writes RATE * TICK messages per tick
ALLOWED_LOSS = 500         # 100 ms of traffic: the sync interval plus what sockets held
NUMBER = re.compile(r"journal-test (\d{8})")


def line(number):
    return f"<13>1 2026-03-01T09:05:07.123Z host app - - - journal-test {number:08d}\n".encode()


class PacedSender:
    """Sends numbered lines at RATE on one connection until stop() (or its count and time bounds);
    `sent` is how many sendall() calls completed, so numbers 0..sent-1 left this process."""

    def __init__(self, port):
        self.port = port
        self.sent = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        per_tick = int(RATE * TICK)
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
                while not self.stopping.is_set() and self.sent < MAX_MESSAGES:
                    if time.monotonic() - started > 3 * KILL_AFTER:
                        break
                    due = int((time.monotonic() - started) / TICK) + 1
                    while self.sent < min(due * per_tick, MAX_MESSAGES) and not self.stopping.is_set():
                        chunk = b"".join(line(n) for n in range(self.sent, self.sent + per_tick))
                        connection.sendall(chunk)
                        self.sent += per_tick
                    time.sleep(TICK / 2)
        except OSError:
            pass  # the relay died under us: what was sent is counted

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=10)


def delivered_numbers(relay):
    numbers = Counter()
    for event in relay.delivered_events():
        found = NUMBER.search(event.get("message", ""))
        if found:
            numbers[int(found.group(1))] += 1
    return numbers


class JournalAcrossSigkill(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-journal-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def relay(self, *extra):
        # The default flush age (60 s): no batch closes before the kill.
        return Relay(*extra, udp=False, workdir=self.workdir)

    def kill_mid_stream_and_restart(self, *extra):
        """Sends for KILL_AFTER seconds, SIGKILLs the relay, restarts it on the same spool and stops
        it cleanly. Returns (sent, delivered numbers with their counts, the second run's log)."""
        first = self.relay(*extra).start()
        sender = PacedSender(first.port).start()
        time.sleep(KILL_AFTER)
        sender.stopping.set()
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        sender.stop()
        first.log.close()

        second = self.relay(*extra).start()
        code = second.stop(timeout=30)
        second.log.close()
        self.assertEqual(code, 0, second.read_log()[-3000:])
        return sender.sent, delivered_numbers(second), second.read_log()

    def test_with_the_journal_a_sigkill_loses_at_most_100_ms_and_duplicates_nothing(self):
        sent, numbers, log = self.kill_mid_stream_and_restart()
        lost = sum(1 for n in range(sent) if n not in numbers)
        duplicated = sum(1 for count in numbers.values() if count > 1)
        print(f"\njournal on: {sent} sent, {len(numbers)} delivered, {lost} lost, {duplicated} duplicated",
              flush=True)
        self.assertGreater(sent, RATE * KILL_AFTER * 0.8, "the sender did not keep its rate")
        self.assertLessEqual(lost, ALLOWED_LOSS, log[-3000:])
        self.assertEqual(duplicated, 0)
        self.assertTrue(all(n < sent + int(RATE * TICK) for n in numbers), "delivered a number never sent")
        self.assertRegex(log, r"journal recovery: \d+ events replayed")

    def test_without_the_journal_the_same_sigkill_loses_every_open_batch(self):
        sent, numbers, _ = self.kill_mid_stream_and_restart("--journal-sync-ms", "0")
        lost = sum(1 for n in range(sent) if n not in numbers)
        print(f"\njournal off: {sent} sent, {len(numbers)} delivered, {lost} lost", flush=True)
        self.assertGreater(lost, 10_000)
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "spool", "journal")))


class DamagedJournalAtStart(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-journal-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def test_a_torn_tail_and_a_garbage_segment_are_set_aside_and_the_rest_is_delivered(self):
        count = 2000
        first = Relay(udp=False, workdir=self.workdir).start()
        with socket.create_connection(("127.0.0.1", first.port), timeout=5) as connection:
            connection.sendall(b"".join(line(n) for n in range(count)))
        time.sleep(1.0)  # many sync intervals: everything is on disk
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        first.log.close()

        journal = os.path.join(self.workdir, "spool", "journal")
        segments = sorted(glob.glob(os.path.join(journal, "*.seg")))
        self.assertTrue(segments, os.listdir(journal))
        # A crash in the middle of a block: its first bytes made it to disk, the rest did not.
        with open(max(segments, key=os.path.getsize), "ab") as segment:
            segment.write(b"1BLK\x07\x00\x00")
        # A segment of another run that is nothing but garbage.
        garbage = os.path.join(journal, "0000000000000001-0-00000000.seg")
        with open(garbage, "wb") as segment:
            segment.write(os.urandom(4096))

        second = Relay(udp=False, workdir=self.workdir).start()
        code = second.stop(timeout=30)
        second.log.close()
        log = second.read_log()
        self.assertEqual(code, 0, log[-3000:])
        numbers = delivered_numbers(second)
        print(f"\ndamaged journal: {len(numbers)} of {count} delivered", flush=True)
        self.assertEqual(set(numbers), set(range(count)), log[-3000:])
        self.assertTrue(all(c == 1 for c in numbers.values()))
        self.assertTrue(os.path.exists(os.path.join(journal, "quarantine", os.path.basename(garbage))), log[-3000:])
        self.assertFalse(os.path.exists(garbage))
        self.assertRegex(log, r"1 torn tails dropped")


if __name__ == "__main__":
    unittest.main(verbosity=2)
