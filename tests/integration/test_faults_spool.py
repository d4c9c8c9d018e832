"""Spool files that cannot be a record never stop the relay: a sparse 1 TiB file, a file over
Firehose's 1,024,000-byte record limit and a truncated gzip left in the spool are moved to
<spool>/quarantine/ (never sent, never deleted), and new messages are still delivered to the
Firehose stand-in."""
import gzip
import json
import os
import shutil
import stat
import sys
import tempfile
import unittest

from relay_harness import dump_events, free_port
from relay_probes import sample, scrape, wait_until
from test_firehose import STREAM, Endpoint, FirehoseRelay, message_numbers

# Names as the relay gives them (creation time, pid, counter), dated 1970 so they go first.
SPARSE = "firehose_event-0000000000000000001-0000001-000000000000"
OVERSIZE = "firehose_event-0000000000000000002-0000001-000000000000"
TRUNCATED = "firehose_event-0000000000000000003-0000001-000000000000"
FIREHOSE_MAX_RECORD_BYTES = 1_024_000


def truncated_gzip_record():
    envelope = {"messageType": "DATA_MESSAGE", "owner": "210987654321", "logGroup": "/kinesyslog/x",
                "logStream": "127.0.0.1", "subscriptionFilters": [], "logEvents": [
                    {"id": str(n), "timestamp": 0, "message": f"leftover {n}"} for n in range(200)]}
    whole = gzip.compress(json.dumps(envelope).encode())
    return whole[:len(whole) - 20]  # the trailer and the end of the deflate stream are missing


class PoisonSpoolFiles(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-faults-spool-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.endpoint = Endpoint(self.workdir)
        self.addCleanup(self.endpoint.stop)

    def test_bad_files_are_quarantined_and_new_messages_still_arrive(self):
        metrics_port = free_port()
        relay = FirehoseRelay(self.workdir, self.endpoint.port, STREAM, "--prometheus-port", str(metrics_port))
        with open(os.path.join(relay.spool_dir, SPARSE), "wb") as sparse:
            sparse.truncate(1 << 40)  # 1 TiB that costs no disk
        with open(os.path.join(relay.spool_dir, OVERSIZE), "wb") as oversize:
            oversize.write(os.urandom(1_100_000))
        with open(os.path.join(relay.spool_dir, TRUNCATED), "wb") as truncated:
            truncated.write(truncated_gzip_record())

        relay.start()
        self.addCleanup(relay.stop)
        count = 100
        relay.send(0, count, connections=1)

        def delivered():
            if relay.process.poll() is not None or self.endpoint.counters()["records_accepted"] == 0:
                return None
            numbers = message_numbers(dump_events(self.endpoint.objects()))
            return numbers if all(numbers[n] for n in range(count)) else None

        numbers = wait_until(delivered, 30, 0.5)
        log = relay.read_log()
        self.assertIsNone(relay.process.poll(), f"the relay exited with {relay.process.returncode}:\n{log[-3000:]}")
        self.assertTrue(numbers, f"the 100 new messages were not delivered within 30 s:\n{log[-3000:]}")
        self.assertEqual(sum(numbers.values()), count)

        quarantine = os.path.join(relay.spool_dir, "quarantine")
        labels = f'path="{relay.spool_dir}"'
        self.assertEqual(sorted(os.listdir(quarantine)), [SPARSE, OVERSIZE, TRUNCATED])
        self.assertEqual(stat.S_IMODE(os.stat(quarantine).st_mode), 0o700)
        self.assertEqual(os.stat(os.path.join(quarantine, SPARSE)).st_size, 1 << 40)  # moved, not emptied
        for name in (SPARSE, OVERSIZE, TRUNCATED):
            self.assertIn(name, log)
        self.assertEqual(sample(scrape(metrics_port), "kinesyslog_quarantined_records", labels), 3.0)
        counters = self.endpoint.counters()
        self.assertEqual(counters["records_failed"], 0, "a bad file was sent")
        self.assertLess(max(os.path.getsize(path) for path in self.endpoint.objects()), FIREHOSE_MAX_RECORD_BYTES)
        print(f"\npoison spool: {count} new messages delivered in {counters['calls']['PutRecordBatch']} calls, "
              f"quarantined {sorted(os.listdir(quarantine))}", file=sys.stderr)
        self.assertEqual(relay.stop(), 0)
        # A restart counts what quarantine already holds and sends none of it.
        relay.start()
        self.assertTrue(wait_until(lambda: sample(scrape(metrics_port), "kinesyslog_quarantined_records", labels) == 3.0,
                                   10), relay.read_log()[-2000:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
