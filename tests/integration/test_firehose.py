"""Delivery to Firehose (docs/behaviour.md §5) against the local stand-in tests/firehose/endpoint.py:
every message arrives once, faults are retried, the spool absorbs an outage, start-up checks."""
import collections
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from relay_harness import BINARY, RelayProcess, aws_test_env, dump_events, free_port
from relay_probes import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
ENDPOINT = os.path.join(HERE, "..", "firehose", "endpoint.py")
ACCOUNT = "210987654321"
STREAM = "logs"


class Endpoint:
    """tests/firehose/endpoint.py in a subprocess; admin calls go to its separate admin port."""

    def __init__(self, workdir, port=None):
        self.out = os.path.join(workdir, "firehose-out")
        port_file = os.path.join(workdir, "endpoint.port")
        admin_file = os.path.join(workdir, "endpoint.admin")
        args = ["/usr/bin/python3", ENDPOINT, "--port-file", port_file, "--admin-port-file", admin_file,
                "--out", self.out, "--credentials", "AKIDTEST:SECRETTEST", "--stream", STREAM,
                "--stream", "pending=CREATING", "--account-id", ACCOUNT, "--region", "us-east-1"]
        if port:
            args += ["--port", str(port)]
        self.log = open(os.path.join(workdir, "endpoint.log"), "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: os.path.exists(port_file) and os.path.exists(admin_file), 15, 0.05):
            raise AssertionError("the Firehose endpoint did not start")
        with open(port_file) as port_text, open(admin_file) as admin_text:
            self.port, self.admin_port = int(port_text.read()), int(admin_text.read())

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", data=data,
                                         method="GET" if data is None else "POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def counters(self):
        return self.admin("/_admin/counters")

    def objects(self):
        return sorted(os.path.join(root, name) for root, _, names in os.walk(self.out)
                      for name in names if not name.startswith("."))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)
        self.log.close()


class FirehoseRelay(RelayProcess):
    """kinesyslog listen --stream, pointed at the endpoint by --endpoint-url and AWS_ENDPOINT_URL_STS."""

    def __init__(self, workdir, endpoint_port, stream=STREAM, *extra):
        super().__init__(workdir, free_port())
        url = f"http://127.0.0.1:{endpoint_port}"
        self.args = [BINARY, "listen", "--stream", stream, "--region", "us-east-1", "--endpoint-url", url,
                     "--address", "127.0.0.1", "--tls-port", "0", "--tcp-port", str(self.port),
                     "--spool-dir", self.spool_dir, "--delivery-interval", "1", "--flush-age", "1", *extra]
        self.env = aws_test_env(AWS_ENDPOINT_URL_STS=url)

    def send(self, first, count, connections=4):
        """`count` numbered syslog messages over `connections` TCP connections, LF-framed."""
        per_connection = (count + connections - 1) // connections
        for c in range(connections):
            numbers = range(first + c * per_connection, min(first + count, first + (c + 1) * per_connection))
            payload = "".join(f"<13>1 2026-03-01T09:05:07.123Z host app - - - message {n:08d} "
                              f"{'x' * 80}\n" for n in numbers).encode()
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
                connection.sendall(payload)


def message_numbers(events):
    return collections.Counter(int(event["message"].split("message ")[1][:8]) for event in events)


def record_owners(paths):
    owners = set()
    decoder = json.JSONDecoder()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as stream:  # concatenated gzip members
            text = stream.read()
        position = 0
        while position < len(text):
            record, position = decoder.raw_decode(text, position)
            owners.add(record["owner"])
    return owners


class FirehoseDelivery(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-fh-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def start_endpoint(self, port=None):
        endpoint = Endpoint(self.workdir, port)
        self.addCleanup(endpoint.stop)
        return endpoint

    def start_relay(self, endpoint_port, *extra):
        relay = FirehoseRelay(self.workdir, endpoint_port, STREAM, *extra)
        relay.start()
        self.addCleanup(relay.stop)
        return relay

    def wait_delivered(self, endpoint, count, timeout):
        wait_until(lambda: endpoint.counters()["records_accepted"] > 0 and
                 len(dump_events(endpoint.objects())) >= count, timeout, 0.5)
        return message_numbers(dump_events(endpoint.objects()))

    def assert_every_message(self, delivered, count):
        missing = [n for n in range(count) if delivered[n] == 0]
        self.assertEqual(missing[:10], [], f"{len(missing)} messages missing")

    def test_every_message_arrives_once_with_the_account_as_owner(self):
        endpoint = self.start_endpoint()
        relay = self.start_relay(endpoint.port, "--flush-size", "30000")
        count = 20000
        relay.send(0, count)
        delivered = self.wait_delivered(endpoint, count, 60)
        self.assert_every_message(delivered, count)
        self.assertEqual(sum(delivered.values()), count, "some messages were delivered twice")
        self.assertEqual(record_owners(endpoint.objects()), {ACCOUNT})
        counters = endpoint.counters()
        calls = counters["calls"]["PutRecordBatch"]
        records = counters["records_accepted"]
        print(f"\nend to end: {count} messages, {calls} PutRecordBatch calls, {records} records, "
              f"{records / calls:.1f} records/call, {counters['bytes_accepted'] / calls:.0f} decoded bytes/call, "
              f"calls {counters['calls']}", file=sys.stderr)
        self.assertEqual(relay.stop(), 0)
        self.assertEqual(relay.spool_count(), 0)

    def test_failed_records_and_throttled_calls_are_retried_until_all_arrive(self):
        endpoint = self.start_endpoint()
        relay = self.start_relay(endpoint.port, "--flush-size", "30000")
        endpoint.admin("/_admin/faults", {"fail_fraction": 0.3, "throttle": 3, "operations": ["PutRecordBatch"]})
        count = 10000
        relay.send(0, count)
        wait_until(lambda: endpoint.counters()["faults"].get("throttled", 0) >= 3, 30)
        # 30% of every call's records fail, so the last ones take several backoffs: about 80 s on
        # a quiet machine, more while the other integration tests run beside it.
        delivered = wait_until(lambda: (lambda d: d if all(d[n] for n in range(count)) else None)(
            message_numbers(dump_events(endpoint.objects()))), 150, 1.0)
        self.assertTrue(delivered, f"not every message arrived:\n{relay.read_log()[-3000:]}")
        duplicates = sum(delivered.values()) - count
        counters = endpoint.counters()
        print(f"\nfaults: {counters['calls']['PutRecordBatch']} PutRecordBatch calls, "
              f"records accepted {counters['records_accepted']}, failed {counters['records_failed']}, "
              f"faults {counters['faults']}, duplicated messages {duplicates}", file=sys.stderr)
        # Each rejected record has its own outcome, so nothing's fate was unknown: no duplicates.
        self.assertEqual(duplicates, 0)
        self.assertGreater(counters["records_failed"], 0)
        self.assertEqual(wait_until(lambda: relay.spool_count() == 0, 30), True)

    def test_spool_grows_while_the_endpoint_is_down_then_drains(self):
        endpoint = self.start_endpoint()
        relay = self.start_relay(endpoint.port, "--flush-size", "30000")
        endpoint.admin("/_admin/faults", {"down": 20})
        count = 6000
        peak = 0
        for batch in range(3):  # under load while down
            relay.send(batch * 2000, 2000)
            for _ in range(10):
                peak = max(peak, relay.spool_count())
                time.sleep(0.2)
        self.assertGreater(peak, 0, "the spool should hold records while Firehose is down")
        self.assertTrue(wait_until(lambda: relay.spool_count() == 0, 90, 0.5),
                        f"spool did not drain ({relay.spool_count()} left):\n{relay.read_log()[-3000:]}")
        delivered = message_numbers(dump_events(endpoint.objects()))
        self.assert_every_message(delivered, count)
        counters = endpoint.counters()
        print(f"\noutage: spool peak {peak} records, drained; {counters['calls']['PutRecordBatch']} calls, "
              f"duplicated messages {sum(delivered.values()) - count}, faults {counters['faults']}", file=sys.stderr)

    def test_stream_that_is_not_active_refuses_to_start(self):
        endpoint = self.start_endpoint()
        result = FirehoseRelay(self.workdir, endpoint.port, "pending").run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"pending", result.stderr)
        self.assertIn(b"CREATING", result.stderr)

    def test_missing_stream_refuses_to_start(self):
        endpoint = self.start_endpoint()
        result = FirehoseRelay(self.workdir, endpoint.port, "nosuchstream").run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"nosuchstream does not exist", result.stderr)

    def test_unreachable_endpoint_at_start_still_listens_and_delivers_once_up(self):
        port = free_port()
        relay = self.start_relay(port)  # nothing listens on `port` yet
        count = 1000
        relay.send(0, count)
        time.sleep(2)
        self.assertIsNone(relay.process.poll(), relay.read_log())
        endpoint = self.start_endpoint(port)
        delivered = self.wait_delivered(endpoint, count, 90)
        self.assert_every_message(delivered, count)
        self.assertEqual(record_owners(endpoint.objects()), {ACCOUNT})

    def test_stopped_during_an_outage_spools_with_the_last_known_account(self):
        """SIGTERM before STS ever answered: records are spooled with the account learned on an
        earlier run (kept beside the spool), not dropped, and go out once AWS is back."""
        port = free_port()
        relay = FirehoseRelay(self.workdir, port, STREAM)
        with open(os.path.join(relay.spool_dir, ".kinesyslog-account"), "w") as cache:
            cache.write(ACCOUNT + "\n")
        relay.start()
        self.addCleanup(relay.stop)
        count = 500
        relay.send(0, count)
        time.sleep(2)
        self.assertEqual(relay.stop(), 0, relay.read_log())
        self.assertGreater(relay.spool_count(), 0, relay.read_log())
        endpoint = self.start_endpoint(port)
        self.start_relay(port)
        delivered = self.wait_delivered(endpoint, count, 60)
        self.assert_every_message(delivered, count)
        self.assertEqual(record_owners(endpoint.objects()), {ACCOUNT})

    def test_the_account_is_remembered_beside_the_spool(self):
        endpoint = self.start_endpoint()
        relay = self.start_relay(endpoint.port)
        relay.send(0, 10, connections=1)
        self.wait_delivered(endpoint, 10, 30)
        with open(os.path.join(relay.spool_dir, ".kinesyslog-account")) as cache:
            self.assertEqual(cache.read().strip(), ACCOUNT)

    def relay_without_endpoint_option(self, endpoint_port, **env):
        """A relay that learns the Firehose endpoint from the environment, not --endpoint-url."""
        relay = FirehoseRelay(self.workdir, endpoint_port, STREAM)
        at = relay.args.index("--endpoint-url")
        del relay.args[at:at + 2]
        relay.env.update(env)
        return relay

    def start_log_line(self, relay):
        """The start-up line naming the endpoints; the relay is stopped once it is written."""
        relay.log = open(relay.log_path, "ab")
        relay.process = subprocess.Popen(relay.args, stdout=relay.log, stderr=subprocess.STDOUT, env=relay.env)
        self.addCleanup(relay.stop)
        line = wait_until(lambda: next((text for text in relay.read_log().splitlines()
                                        if "Firehose stream logs in" in text), None), 30, 0.05)
        self.assertTrue(line, relay.read_log())
        relay.stop()
        return line

    def test_the_firehose_endpoint_variable_is_used_and_named_as_the_source(self):
        endpoint = self.start_endpoint()
        url = f"http://127.0.0.1:{endpoint.port}"
        relay = self.relay_without_endpoint_option(endpoint.port, AWS_ENDPOINT_URL_FIREHOSE=url).start()
        self.addCleanup(relay.stop)
        relay.send(0, 10, connections=1)
        self.assert_every_message(self.wait_delivered(endpoint, 10, 30), 10)
        self.assertIn(f"endpoint {url} (AWS_ENDPOINT_URL_FIREHOSE)", relay.read_log())

    def test_ignoring_configured_endpoint_urls_skips_the_firehose_variable(self):
        dead = f"http://127.0.0.1:{free_port()}"
        relay = self.relay_without_endpoint_option(free_port(), AWS_ENDPOINT_URL_FIREHOSE=dead,
                                                   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
        line = self.start_log_line(relay)
        self.assertIn("endpoint https://firehose.us-east-1.amazonaws.com (default for us-east-1)", line)
        self.assertNotIn(dead, line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
