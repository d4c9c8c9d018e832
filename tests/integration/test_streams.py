"""Several Firehose streams (--stream given more than once) against the local stand-in: each
(source, port) goes to the stream a fixed hash picks, every event arrives once, a stream that is
down holds back none of the others (its records wait in the spool, named with their route, and
go out after a restart), and a missing stream refuses the start."""
import collections
import ipaddress
import os
import re
import shutil
import socket
import tempfile
import unittest

from relay_harness import dump_events
from relay_probes import wait_until
from test_firehose import Endpoint, FirehoseRelay, STREAM

STREAMS = [STREAM, "bravo", "charlie"]
OBJECT_NAME = re.compile(r"^(.+)-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-")


def stable_stream(source, port, streams):
    """The relay's choice: 64-bit FNV-1a over the 16 address bytes (IPv4 mapped) and the port, high byte first."""
    address = ipaddress.ip_address(source)
    data = (b"\0" * 10 + b"\xff\xff" + address.packed) if address.version == 4 else address.packed
    value = 14695981039346656037
    for byte in data + bytes([port >> 8, port & 0xFF]):
        value = ((value ^ byte) * 1099511628211) % (1 << 64)
    return value % streams


def send_from(source, port, first, count):
    payload = "".join(f"<13>1 2026-03-01T09:05:07.123Z host app - - - message {n:08d}\n"
                      for n in range(first, first + count)).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as connection:
        connection.sendall(payload)


def events_by_stream(endpoint):
    """{stream: [event, ...]} from the stand-in's objects, told apart by their names."""
    by_stream = collections.defaultdict(list)
    for path in endpoint.objects():
        match = OBJECT_NAME.match(os.path.basename(path))
        if match:
            by_stream[match.group(1)].extend(dump_events([path]))
    return by_stream


def number(event):
    return int(event["message"].split("message ")[1][:8])


class SeveralStreams(unittest.TestCase):
    SOURCES = [f"127.0.2.{host}" for host in range(1, 13)]
    PER_SOURCE = 200

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-streams-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.endpoint = Endpoint(self.workdir)
        self.addCleanup(self.endpoint.stop)
        self.endpoint.admin("/_admin/streams", {name: "ACTIVE" for name in STREAMS[1:]})

    def relay(self, streams):
        extra = []
        for name in streams[1:]:
            extra += ["--stream", name]
        relay = FirehoseRelay(self.workdir, self.endpoint.port, streams[0], *extra)
        self.addCleanup(relay.stop)
        return relay

    def send_all(self, relay):
        for index, source in enumerate(self.SOURCES):
            send_from(source, relay.port, index * self.PER_SOURCE, self.PER_SOURCE)
        return len(self.SOURCES) * self.PER_SOURCE

    def assert_each_source_in_its_stream(self, by_stream, streams, port):
        used = set()
        for name, events in by_stream.items():
            self.assertIn(name, streams)
            for event in events:
                expected = streams[stable_stream(event["logStream"], port, len(streams))]
                self.assertEqual(name, expected, f"{event['logStream']} went to {name}, not {expected}")
                used.add(name)
        self.assertEqual(used, set(streams), "12 sources use every stream")

    def assert_every_event_once(self, by_stream, total):
        numbers = collections.Counter(number(event) for events in by_stream.values() for event in events)
        missing = [n for n in range(total) if numbers[n] == 0]
        twice = [n for n, times in numbers.items() if times > 1]
        self.assertEqual(missing[:10], [], f"{len(missing)} events missing")
        self.assertEqual(twice[:10], [], f"{len(twice)} events delivered twice")

    def test_each_source_goes_to_one_stream_and_every_event_arrives_once(self):
        relay = self.relay(STREAMS).start()
        total = self.send_all(relay)
        self.assertTrue(wait_until(lambda: self.endpoint.counters()["records_accepted"] > 0 and
                                   sum(len(e) for e in events_by_stream(self.endpoint).values()) >= total, 60, 0.5),
                        relay.read_log())
        self.assertEqual(relay.stop(), 0)
        by_stream = events_by_stream(self.endpoint)
        self.assert_every_event_once(by_stream, total)
        self.assert_each_source_in_its_stream(by_stream, STREAMS, relay.port)
        counted = self.endpoint.counters()["streams"]
        self.assertEqual(set(counted), set(STREAMS), counted)

    def test_a_stream_that_is_down_holds_back_none_of_the_others(self):
        streams = STREAMS[:2]
        relay = self.relay(streams).start()  # both exist at start
        self.endpoint.admin("/_admin/streams", {"bravo": None})  # then one goes: its puts are refused
        total = self.send_all(relay)
        for_first = [s for s in self.SOURCES if stable_stream(s, relay.port, 2) == 0]
        expected_first = len(for_first) * self.PER_SOURCE
        self.assertTrue(wait_until(lambda: len(events_by_stream(self.endpoint)[STREAM]) >= expected_first, 60, 0.5),
                        relay.read_log())
        self.assertEqual(relay.stop(), 0)
        self.assertEqual(set(events_by_stream(self.endpoint)), {STREAM})
        # The waiting records carry their route in their names: only the second stream's sources.
        waiting = [name for name in os.listdir(relay.spool_dir) if name.startswith("firehose_event-")]
        self.assertTrue(waiting)
        for name in waiting:
            _, source, port = name.split("~")
            self.assertEqual(int(port), relay.port)
            self.assertEqual(stable_stream(source.replace("_", ":"), int(port), 2), 1, name)

        self.endpoint.admin("/_admin/streams", {"bravo": "ACTIVE"})
        again = self.relay(streams)
        again.port = relay.port  # the same route, so the same stream after the restart
        again.args[again.args.index("--tcp-port") + 1] = str(relay.port)
        again.start()
        self.assertTrue(wait_until(lambda: sum(len(e) for e in events_by_stream(self.endpoint).values()) >= total,
                                   60, 0.5), again.read_log())
        self.assertEqual(again.stop(), 0)
        by_stream = events_by_stream(self.endpoint)
        self.assert_every_event_once(by_stream, total)
        self.assert_each_source_in_its_stream(by_stream, streams, relay.port)

    def test_a_missing_stream_refuses_the_start_by_name(self):
        relay = self.relay([STREAM, "bravo", "nosuchstream"])
        result = relay.run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr.decode())
        self.assertIn("nosuchstream", result.stderr.decode())
        self.assertIn("does not exist", result.stderr.decode())

    def test_a_stream_given_twice_is_a_configuration_error(self):
        relay = self.relay([STREAM, "bravo", STREAM])
        result = relay.run_to_exit()
        self.assertEqual(result.returncode, 78, result.stderr.decode())
        self.assertIn("given twice", result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
