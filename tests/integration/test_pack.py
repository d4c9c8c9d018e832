"""--pack-records against the Firehose stand-in (tests/firehose/endpoint.py): without it every
Firehose record is one gzip document; with it many sources' records share one Firehose record,
every event still arrives once, and the stand-in bills fewer bytes. A packed record rejected or
refused as malformed loses, duplicates or quarantines nothing but the one record at fault."""
import collections
import gzip
import os
import shutil
import socket
import tempfile
import unittest
import zlib

import test_firehose as firehose
from relay_harness import dump_events
from relay_probes import wait_until

SOURCES = 150
LINES_PER_SOURCE = 4


def source_address(n):
    return f"127.0.{10 + n // 250}.{1 + n % 250}"


def send_from_sources(port, sources, lines, tag, poison_source=None):
    """`lines` syslog lines from each of `sources` distinct loopback addresses, one TCP connection each."""
    for n in range(sources):
        if n == poison_source:
            payload = f"<13>1 2026-03-01T09:05:07Z host{n} app - - - {tag} poison from source {n}\n"
        else:
            payload = "".join(f"<13>1 2026-03-01T09:05:07Z host{n} app - - - {tag} source {n} line {i}\n"
                              for i in range(lines))
        with socket.create_connection(("127.0.0.1", port), timeout=10,
                                      source_address=(source_address(n), 0)) as connection:
            connection.sendall(payload.encode())


def gzip_members(data):
    """The decompressed gzip members of `data`, one by one (RFC 1952 §2.2)."""
    members = []
    while data:
        member = zlib.decompressobj(wbits=31)
        members.append(member.decompress(data))
        if not member.eof:
            raise AssertionError("a record ends inside a gzip member")
        data = member.unused_data
    return members


def delivered_lines(endpoint):
    return collections.Counter(event["message"].split(" - - - ", 1)[-1] for event in dump_events(endpoint.objects()))


class PackRecords(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-pack-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def start(self, *extra):
        endpoint = firehose.Endpoint(self.workdir)
        self.addCleanup(endpoint.stop)
        relay = firehose.FirehoseRelay(self.workdir, endpoint.port, firehose.STREAM, "--delivery-interval", "2", *extra)
        relay.start()
        self.addCleanup(relay.stop)
        return endpoint, relay

    def expected_lines(self, tag, poison_source=None):
        return collections.Counter(f"{tag} source {n} line {i}" for n in range(SOURCES) if n != poison_source
                                   for i in range(LINES_PER_SOURCE))

    def wait_for_lines(self, endpoint, relay, expected, timeout=60):
        wanted = set(expected)
        delivered = wait_until(lambda: (lambda d: d if wanted <= set(d) else None)(delivered_lines(endpoint)),
                               timeout, 0.5)
        self.assertTrue(delivered, f"not every line arrived:\n{relay.read_log()[-3000:]}")
        # What the relay holds back is sent at the next interval: let it, then count again.
        self.assertTrue(wait_until(lambda: relay.spool_count() == 0, 20, 0.2), relay.read_log()[-3000:])
        return delivered_lines(endpoint)

    def assert_each_member_is_one_sources_record(self, endpoint):
        """Packing never merges records: each gzip member still holds one source's events."""
        for path in endpoint.objects():
            with open(path, "rb") as stream:
                for member in gzip_members(stream.read()):
                    text = member.decode()
                    self.assertEqual(text.count('"logStream"'), text.count('"logEvents"'))
                    self.assertEqual(text.count('"logEvents"'), 1, text[:300])

    def run_fleet(self, *extra):
        endpoint, relay = self.start(*extra)
        send_from_sources(relay.port, SOURCES, LINES_PER_SOURCE, "fleet")
        delivered = self.wait_for_lines(endpoint, relay, self.expected_lines("fleet"))
        self.assertEqual(delivered, self.expected_lines("fleet"), "an event is missing or came twice")
        self.assert_each_member_is_one_sources_record(endpoint)
        self.assertEqual(relay.stop(), 0)
        return endpoint.counters()["streams"][firehose.STREAM]

    def test_without_packing_every_firehose_record_is_one_gzip_document_and_with_it_many_share_one(self):
        unpacked = self.run_fleet()
        self.assertEqual(unpacked["members_per_record"], {"1": unpacked["records"]})
        self.assertGreaterEqual(unpacked["records"], SOURCES)
        self.setUp()  # a fresh endpoint, relay and spool for the packed run
        packed = self.run_fleet("--pack-records")
        self.assertEqual(packed["gzip_members"], unpacked["gzip_members"], "as many source records either way")
        self.assertLess(packed["records"] * 10, packed["gzip_members"], packed["members_per_record"])
        self.assertGreater(max(int(n) for n in packed["members_per_record"]), 10)
        print(f"\n{SOURCES} sources x {LINES_PER_SOURCE} lines: billed {unpacked['billed_bytes']} bytes in "
              f"{unpacked['records']} records unpacked, {packed['billed_bytes']} bytes in {packed['records']} "
              f"records packed")
        self.assertLess(packed["billed_bytes"] * 5, unpacked["billed_bytes"])

    def test_a_rejected_packed_record_is_retried_whole_without_loss_or_duplicates(self):
        endpoint, relay = self.start("--pack-records")
        endpoint.admin("/_admin/faults", {"fail_records": 1, "operations": ["PutRecordBatch"]})
        send_from_sources(relay.port, SOURCES, LINES_PER_SOURCE, "retry")
        delivered = self.wait_for_lines(endpoint, relay, self.expected_lines("retry"))
        self.assertEqual(delivered, self.expected_lines("retry"), "an event is missing or came twice")
        counters = endpoint.counters()
        self.assertEqual(counters["faults"].get("records_failed"), 1)
        self.assertEqual(relay.stop(), 0)
        self.assertEqual(os.listdir(os.path.join(relay.spool_dir, "quarantine")) if os.path.isdir(
            os.path.join(relay.spool_dir, "quarantine")) else [], [])

    def test_a_packed_record_refused_as_malformed_quarantines_only_the_record_at_fault(self):
        # Every record in one call (sent within a second, closed a second later, sent at the
        # 5 s tick): the records accepted beside the refused one show it is at fault, not the stream.
        endpoint, relay = self.start("--pack-records", "--delivery-interval", "5")
        endpoint.admin("/_admin/faults", {"refuse_text": "poison from source", "operations": ["PutRecordBatch"]})
        poison = SOURCES // 2
        send_from_sources(relay.port, SOURCES, LINES_PER_SOURCE, "refused", poison_source=poison)
        expected = self.expected_lines("refused", poison_source=poison)
        delivered = self.wait_for_lines(endpoint, relay, expected)
        self.assertEqual(delivered, expected, "an innocent event is missing or came twice")
        quarantine = os.path.join(relay.spool_dir, "quarantine")
        quarantined = os.listdir(quarantine)
        self.assertEqual(len(quarantined), 1, quarantined)
        with open(os.path.join(quarantine, quarantined[0]), "rb") as stream:
            self.assertIn(f"poison from source {poison}", gzip.decompress(stream.read()).decode())
        self.assertGreaterEqual(endpoint.counters()["faults"]["refused_calls"], 2)
        self.assertIn("packed together one by one", relay.read_log())
        self.assertEqual(relay.stop(), 0)


if __name__ == "__main__":
    unittest.main()
