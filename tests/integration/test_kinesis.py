"""Delivery to Kinesis Data Streams (--kinesis-stream): against kinesalite (a local Kinesis,
read back with GetShardIterator/GetRecords) and against the AWS stand-in tests/firehose/endpoint.py
(which checks every call against botocore's Kinesis model and injects per-record failures)."""
import base64
import collections
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

from kinesalite_server import Kinesalite
from relay_harness import BINARY, RelayProcess, aws_test_env, free_port
from relay_probes import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
ENDPOINT = os.path.join(HERE, "..", "firehose", "endpoint.py")
ACCOUNT = "210987654321"
STREAM = "logs"
SENDERS = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


class StandIn:
    """tests/firehose/endpoint.py: STS for the account, and a Kinesis stand-in with faults."""

    def __init__(self, workdir):
        port_file = os.path.join(workdir, "endpoint.port")
        admin_file = os.path.join(workdir, "endpoint.admin")
        args = ["/usr/bin/python3", ENDPOINT, "--port-file", port_file, "--admin-port-file", admin_file,
                "--credentials", "AKIDTEST:SECRETTEST", "--kinesis-stream", STREAM,
                "--kinesis-stream", "pending=CREATING", "--account-id", ACCOUNT, "--region", "us-east-1"]
        self.log = open(os.path.join(workdir, "endpoint.log"), "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: os.path.exists(port_file) and os.path.exists(admin_file), 15, 0.05):
            raise AssertionError("the AWS stand-in did not start")
        with open(port_file) as port_text, open(admin_file) as admin_text:
            self.port, self.admin_port = int(port_text.read()), int(admin_text.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", data=data,
                                         method="GET" if data is None else "POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def records(self, stream):
        return [(r["partition_key"], base64.b64decode(r["data"]))
                for r in self.admin(f"/_admin/kinesis-records?stream={stream}")["records"]]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)
        self.log.close()


class KinesisRelay(RelayProcess):
    """kinesyslog listen --kinesis-stream, with Kinesis at `kinesis_url` and STS at the stand-in."""

    def __init__(self, workdir, kinesis_url, sts_url, *extra):
        super().__init__(workdir, free_port())
        self.args = [BINARY, "listen", "--region", "us-east-1", "--address", "127.0.0.1", "--tls-port", "0",
                     "--tcp-port", str(self.port), "--spool-dir", self.spool_dir, "--delivery-interval", "1",
                     "--flush-age", "1", *extra]
        self.env = aws_test_env(AWS_ENDPOINT_URL_KINESIS=kinesis_url, AWS_ENDPOINT_URL_STS=sts_url)
        self.env.pop("AWS_ENDPOINT_URL", None)

    def send(self, count):
        """`count` numbered syslog messages, spread over SENDERS (one TCP connection each, from that address)."""
        for index, sender in enumerate(SENDERS):
            numbers = range(index, count, len(SENDERS))
            payload = "".join(f"<13>1 2026-03-01T09:05:07.123Z host app - - - message {n:08d} from {sender} "
                              f"{'x' * 60}\n" for n in numbers).encode()
            with socket.create_connection(("127.0.0.1", self.port), timeout=10, source_address=(sender, 0)) as c:
                c.sendall(payload)


def decode(records):
    """(partition key, gzip record) pairs → (partition key, record document) for every gzip member."""
    decoder = json.JSONDecoder()
    documents = []
    for key, data in records:
        text = gzip.decompress(data).decode("utf-8")  # one or more gzip members, one document each
        position = 0
        while position < len(text):
            document, position = decoder.raw_decode(text, position)
            documents.append((key, document))
    return documents


def message_numbers(documents):
    return collections.Counter(int(event["message"].split("message ")[1][:8])
                               for _, document in documents for event in document["logEvents"])


class KinesisDelivery(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-kinesis-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.stand_in = StandIn(self.workdir)
        self.addCleanup(self.stand_in.stop)

    def start_kinesalite(self):
        kinesalite = Kinesalite(os.path.join(self.workdir, "kinesalite.log"))
        self.addCleanup(kinesalite.stop)
        return kinesalite

    def start_relay(self, kinesis_url, *extra):
        relay = KinesisRelay(self.workdir, kinesis_url, self.stand_in.url, "--kinesis-stream", STREAM, *extra)
        relay.start()
        self.addCleanup(relay.stop)
        return relay

    def wait_every_message(self, read_documents, count, timeout):
        def complete():
            numbers = message_numbers(read_documents())
            return numbers if all(numbers[n] for n in range(count)) else None
        return wait_until(complete, timeout, 0.5)

    def deliver_to_kinesalite(self, count):
        """`count` messages from SENDERS through the relay into kinesalite: (relay, documents)."""
        kinesalite = self.start_kinesalite()
        kinesalite.create_stream(STREAM, shards=2)
        relay = self.start_relay(kinesalite.url, "--flush-size", "20000")
        relay.send(count)
        delivered = self.wait_every_message(lambda: decode(kinesalite.records(STREAM)), count, 60)
        self.assertTrue(delivered, f"not every message arrived:\n{relay.read_log()[-3000:]}")
        self.assertEqual(sum(delivered.values()), count, "some messages were delivered twice")
        self.assertEqual(relay.stop(), 0)
        self.assertEqual(relay.spool_count(), 0)
        return decode(kinesalite.records(STREAM))

    def test_every_event_reaches_kinesalite_once_in_records_of_one_source(self):
        count = 6000
        documents = self.deliver_to_kinesalite(count)
        for _, document in documents:
            self.assertEqual(document["owner"], ACCOUNT)
            senders = {event["message"].split(" from ")[1].split()[0] for event in document["logEvents"]}
            self.assertEqual(senders, {document["logStream"]}, "one record holds one source's events")
        self.assertEqual({document["logStream"] for _, document in documents}, set(SENDERS))
        print(f"\nkinesalite: {count} messages from {len(SENDERS)} sources in {len(documents)} records",
              file=sys.stderr)

    def test_the_partition_key_is_the_source_address(self):
        documents = self.deliver_to_kinesalite(1500)
        keys = collections.Counter(key for key, _ in documents)
        print(f"\nkinesalite partition keys: {sorted(keys.items())[:6]}", file=sys.stderr)
        for key, document in documents:
            self.assertEqual(key, document["logStream"], "the partition key is the record's source address")

    def test_throttled_records_and_calls_are_retried_until_all_arrive(self):
        self.stand_in.admin("/_admin/faults", {"fail_fraction": 0.3, "kinesis_record_error": "alternate",
                                               "throttle": 2, "operations": ["PutRecords"]})
        relay = self.start_relay(self.stand_in.url, "--flush-size", "10000")
        count = 3000
        relay.send(count)
        delivered = self.wait_every_message(lambda: decode(self.stand_in.records(STREAM)), count, 150)
        self.assertTrue(delivered, f"not every message arrived:\n{relay.read_log()[-3000:]}")
        counters = self.stand_in.admin("/_admin/counters")
        kinesis = counters["kinesis_streams"][STREAM]
        print(f"\nKinesis faults: {counters['calls'].get('PutRecords')} PutRecords calls, records written "
              f"{kinesis['records']}, failed {kinesis['records_failed']}, faults {counters['faults']}, "
              f"duplicated messages {sum(delivered.values()) - count}", file=sys.stderr)
        self.assertEqual(sum(delivered.values()), count, "a rejected record has its own outcome: no duplicates")
        self.assertGreater(kinesis["records_failed"], 0)
        self.assertGreaterEqual(counters["faults"].get("throttled", 0), 2)
        self.assertEqual(counters.get("unknown_members", 0), 0)
        self.assertTrue(wait_until(lambda: relay.spool_count() == 0, 30), "the spool did not drain")

    def test_missing_stream_at_start_exits_78(self):
        kinesalite = self.start_kinesalite()
        relay = KinesisRelay(self.workdir, kinesalite.url, self.stand_in.url, "--kinesis-stream", "nosuchstream")
        result = relay.run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"Kinesis stream nosuchstream does not exist", result.stderr)

    def test_creating_stream_at_start_exits_78(self):
        relay = KinesisRelay(self.workdir, self.stand_in.url, self.stand_in.url, "--kinesis-stream", "pending")
        result = relay.run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"CREATING", result.stderr)

    def test_kinesis_stream_with_firehose_stream_exits_78(self):
        relay = KinesisRelay(self.workdir, self.stand_in.url, self.stand_in.url, "--kinesis-stream", STREAM,
                             "--stream", "firehose-logs")
        result = relay.run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"--kinesis-stream", result.stderr)
        self.assertIn(b"--stream", result.stderr)
        self.assertEqual(self.stand_in.admin("/_admin/counters")["calls"], {}, "refused before any AWS call")


if __name__ == "__main__":
    unittest.main(verbosity=2)
