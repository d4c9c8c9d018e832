"""A host clock 20 minutes off at start (libfaketime) against the Firehose stand-in, which keeps
the real time and, like AWS, refuses signatures more than 15 minutes away from it: the relay
learns AWS's time from the refusals' Date header, signs with it, starts, stays up and delivers."""
import glob
import os
import shutil
import tempfile
import time
import unittest

from relay_harness import dump_events
from relay_probes import wait_until
from test_firehose import Endpoint, FirehoseRelay, STREAM, message_numbers

# Debian's faketime package. Its `faketime` command runs the program as its child and would take the
# test's SIGTERM itself, so the library is preloaded directly (what that command does for its child).
LIBFAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))), None)
COUNT = 500


class SkewedRelay(FirehoseRelay):
    """FirehoseRelay whose wall clock is `offset` ('+20m', '-20m') off; the monotonic clock is left
    alone (libfaketime shifts it too by default), so timeouts and flush ages stay real."""

    def __init__(self, workdir, endpoint_port, offset):
        super().__init__(workdir, endpoint_port, STREAM)
        self.env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=offset, FAKETIME_DONT_FAKE_MONOTONIC="1")


@unittest.skipUnless(LIBFAKETIME, "needs libfaketime (Debian package faketime)")
class ClockSkewAtStart(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-skew-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.endpoint = Endpoint(self.workdir)
        self.addCleanup(self.endpoint.stop)

    def start_skewed(self, offset):
        relay = SkewedRelay(self.workdir, self.endpoint.port, offset)
        self.addCleanup(relay.stop)
        try:
            relay.start()
        except AssertionError:
            self.fail(f"the relay {offset} did not start (exit {relay.process.poll()}):\n{relay.read_log()[-3000:]}")
        return relay

    def check_starts_stays_up_and_delivers(self, offset, refusal):
        relay = self.start_skewed(offset)
        relay.send(0, COUNT)
        delivered = wait_until(lambda: (lambda d: d if all(d[n] for n in range(COUNT)) else None)(
            message_numbers(dump_events(self.endpoint.objects()))), 60, 0.5)
        self.assertTrue(delivered, f"not every message arrived:\n{relay.read_log()[-3000:]}")
        time.sleep(2)  # a few more delivery passes: still up, still accepted
        self.assertIsNone(relay.process.poll(), relay.read_log()[-3000:])
        counters = self.endpoint.counters()
        refused = counters["auth_failures"]
        # The stand-in did refuse the first signatures for their time: the skew was real.
        self.assertGreaterEqual(refused.get(refusal, 0), 1, counters)
        log = relay.read_log()
        self.assertIn("clock", log)
        print(f"\n{offset}: {sum(delivered.values())} of {COUNT} messages delivered, refusals {refused}, "
              f"calls {counters['calls']}", flush=True)
        self.assertEqual(relay.stop(), 0, log[-3000:])

    def test_clock_20_minutes_fast(self):
        self.check_starts_stays_up_and_delivers("+20m", "InvalidSignatureException")

    def test_clock_20_minutes_slow(self):
        self.check_starts_stays_up_and_delivers("-20m", "InvalidSignatureException")


if __name__ == "__main__":
    unittest.main()
