"""syslog-ng's loggen sends 100,000 messages over TCP; every one is delivered exactly once."""
import re
import subprocess
import unittest

from relay_harness import Relay, tool

SEQ = re.compile(r"seq: (\d{10}),")


class LoggenTest(unittest.TestCase):
    def send_and_collect(self, count, *loggen_args):
        with Relay("--flush-age", "2") as relay:
            result = subprocess.run([tool("loggen"), "--inet", "--stream", "--rate", "1000000", "--size", "200",
                                     "--number", str(count), *loggen_args, "127.0.0.1", str(relay.port)],
                                    capture_output=True, timeout=300)
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            self.assertEqual(relay.stop(timeout=30), 0, relay.read_log())
            events = relay.delivered_events()
        return events

    def assert_exactly_once(self, events, count):
        seqs = [int(SEQ.search(e["message"]).group(1)) for e in events]
        self.assertEqual(len(seqs), count, "messages delivered")
        self.assertEqual(sorted(seqs), list(range(count)), "each sequence number exactly once")
        self.assertEqual(len({e["id"] for e in events}), count, "ids are unique")

    def test_100000_messages_over_tcp_delivered_exactly_once(self):
        events = self.send_and_collect(100_000)
        self.assert_exactly_once(events, 100_000)

    def test_octet_counted_rfc5424_with_bom(self):
        events = self.send_and_collect(20_000, "--syslog-proto")
        self.assert_exactly_once(events, 20_000)
        self.assertTrue(all("\ufeff" in e["message"] for e in events), "the BOM before the message is kept")


if __name__ == "__main__":
    unittest.main()
