"""GELF (--gelf, docs/behaviour.md §2.4, §3.4) into the real relay: the Node.js libraries gelf-pro (UDP: always
chunked, zlib; TCP: NUL-terminated) and graygelf (UDP: gzip, chunked when large) deliver every
message once, with the JSON's timestamp; hand-built datagrams for chunks out of order,
duplicated, missing (dropped after 5 s, counted gelf_incomplete), a sequence count over 128,
plain zlib/gzip, and decompression bombs (dropped, counted gelf_invalid, the relay's memory
stays small and it goes on serving)."""
import decimal
import gzip
import json
import os
import random
import shutil
import socket
import subprocess
import time
import unittest
import uuid
import zlib

from relay_harness import Relay, free_port
from relay_probes import dropped, peak_rss_kib, wait_until

CLIENTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gelf-clients")
CHUNK_MAGIC = b"\x1e\x0f"


def node_client(script, *args):
    if not os.path.isdir(os.path.join(CLIENTS_DIR, "node_modules", "gelf-pro")):
        raise RuntimeError("the GELF client libraries are not installed; run scripts/install-deps.sh --tests")
    node = shutil.which("node") or shutil.which("nodejs")
    result = subprocess.run([node, script, *map(str, args)], cwd=CLIENTS_DIR, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"{script} failed ({result.returncode}): {result.stderr.decode()}")


def expected_ms(seconds_text):
    """The relay's reading of a GELF timestamp: milliseconds, truncated."""
    return int(decimal.Decimal(seconds_text) * 1000)


def gelf_json(text, timestamp=None, **fields):
    document = {"version": "1.1", "host": "it-host", "short_message": text}
    if timestamp is not None:
        document["timestamp"] = timestamp
    document.update({f"_{key}": value for key, value in fields.items()})
    return json.dumps(document, separators=(",", ":")).encode()


def chunks(payload, count, message_id=None):
    """`payload` cut into `count` GELF chunks (datagrams) in sequence order."""
    message_id = message_id if message_id is not None else os.urandom(8)
    size = -(-len(payload) // count)
    return [CHUNK_MAGIC + message_id + bytes([i, count]) + payload[i * size:(i + 1) * size] for i in range(count)]


def incompressible(length):
    return random.Random(length).randbytes(length // 2).hex()


class GelfRelay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.metrics_port = free_port()
        cls.relay = Relay("--gelf", "--flush-age", "1", "--prometheus-port", str(cls.metrics_port))
        cls.relay.start()
        cls.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    @classmethod
    def tearDownClass(cls):
        cls.udp.close()
        cls.relay.cleanup()

    def send_datagrams(self, datagrams, pause=0.001):
        for datagram in datagrams:
            self.udp.sendto(datagram, ("127.0.0.1", self.relay.port))
            time.sleep(pause)  # stay well inside the socket's receive buffer

    def delivered(self, texts, timeout=30):
        """{short_message: [events]} for `texts`, once all arrived (or on timeout)."""
        found = {}

        def collect():
            found.clear()
            for event in self.relay.delivered_events():
                try:
                    text = json.loads(event["message"]).get("short_message")
                except ValueError:
                    continue
                if text in texts:
                    found.setdefault(text, []).append(event)
            return len(found) == len(texts)
        wait_until(collect, timeout, interval=0.25)
        return dict(found)

    def assert_each_once(self, found, expected):
        """`expected`: {short_message: (timestamp text or None, {field: value})}."""
        for text, (stamp, fields) in expected.items():
            events = found.get(text, [])
            self.assertEqual(len(events), 1, f"{text!r} delivered {len(events)} times\n{self.relay.read_log()}")
            event = events[0]
            self.assertEqual(event["logGroup"], f"/kinesyslog/gelf/{self.relay.port}")
            self.assertEqual(event["logStream"], "127.0.0.1")
            self.assertRegex(event["id"], r"^[0-9]{56}$")
            document = json.loads(event["message"])
            if stamp is not None:
                self.assertEqual(event["timestamp"], expected_ms(stamp), text)
            else:  # the library's own clock: the event time is the JSON's timestamp, whatever it is
                self.assertEqual(event["timestamp"], expected_ms(repr(document["timestamp"])), text)
                self.assertLess(abs(event["timestamp"] - time.time() * 1000), 10 * 60 * 1000)
            for key, value in fields.items():
                self.assertEqual(document.get(key), value, f"{text}: {key}")

    def drops(self, reason):
        return dropped(self.metrics_port, reason)

    # --- the Node.js client libraries ---------------------------------------------------------

    def test_gelf_pro_udp_chunked_zlib_and_tcp_nul_terminated(self):
        for adapter in ("udp", "tcp"):
            with self.subTest(adapter=adapter):
                expected, messages = {}, []
                for i, (stamp, size) in enumerate((("1700000000.123", 0), ("1700000001", 0),
                                                   ("1700000002.5", 9000), ("1700000003.007", 30000), (None, 0))):
                    text = f"gelf-pro-{adapter}-{i}-{uuid.uuid4().hex}"
                    message = {"short_message": text, "run": i}
                    if stamp is not None:
                        message["timestamp"] = json.loads(stamp)
                    if size:
                        # Incompressible, so zlib still needs several 1388-byte chunks (up to 12).
                        message["filler"] = incompressible(size)
                    messages.append(message)
                    expected[text] = (stamp, {"_run": i, **({"_filler": message["filler"]} if size else {})})
                node_client("send-gelf-pro.js", adapter, "127.0.0.1", self.relay.port, json.dumps(messages))
                self.assert_each_once(self.delivered(set(expected)), expected)

    def test_graygelf_udp_chunked_gzip(self):
        expected, messages = {}, []
        for i, (stamp, size) in enumerate((("1700000100.25", 0), ("1700000101.999", 4000), ("1700000102", 12000))):
            text = f"graygelf-{i}-{uuid.uuid4().hex}"
            message = {"short_message": text, "timestamp": json.loads(stamp), "level": 6, "_run": i}
            if size:
                message["_filler"] = incompressible(size)
            messages.append(message)
            expected[text] = (stamp, {"_run": i, "level": 6, **({"_filler": message["_filler"]} if size else {})})
        # 1000-byte chunks: the filled messages are gzip in 3 and 7 chunks, the first one datagram.
        node_client("send-graygelf.js", "127.0.0.1", self.relay.port, 1000, json.dumps(messages))
        self.assert_each_once(self.delivered(set(expected)), expected)

    # --- hand-built datagrams -------------------------------------------------------------------

    def test_plain_zlib_and_gzip_datagrams(self):
        expected = {}
        for kind, encode in (("plain", lambda b: b), ("zlib", zlib.compress), ("gzip", gzip.compress)):
            text = f"{kind}-{uuid.uuid4().hex}"
            stamp = "1700000200.042"
            self.send_datagrams([encode(gelf_json(text, json.loads(stamp), kind=kind))])
            expected[text] = (stamp, {"_kind": kind})
        # A timestamp that is not a number is not read: the receive time stands in.
        text = f"string-timestamp-{uuid.uuid4().hex}"
        before_ms = int(time.time() * 1000)
        self.send_datagrams([gelf_json(text, "1700000200")])
        expected[text] = (None, {})
        found = self.delivered(set(expected))
        self.assertEqual(len(found.get(text, [])), 1)
        self.assertGreaterEqual(found[text][0]["timestamp"], before_ms)
        self.assertLessEqual(found[text][0]["timestamp"], int(time.time() * 1000))
        del expected[text]
        self.assert_each_once(found, expected)

    def test_chunks_out_of_order_and_duplicated_are_reassembled_once(self):
        invalid_before = self.drops("gelf_invalid")
        expected, datagrams = {}, []
        filler = incompressible(6000)
        for name, order in (("shuffled", [3, 0, 4, 1, 2]), ("reversed", [4, 3, 2, 1, 0]),
                            ("duplicated", [0, 1, 0, 1, 3, 3, 2, 4])):
            text = f"{name}-{uuid.uuid4().hex}"
            stamp = "1700000300.5"
            parts = chunks(zlib.compress(gelf_json(text, json.loads(stamp), filler=filler)), 5)
            datagrams += [parts[i] for i in order]
            expected[text] = (stamp, {"_filler": filler})
        # Two messages interleaved chunk by chunk, one zlib and one gzip.
        a, b = f"interleaved-a-{uuid.uuid4().hex}", f"interleaved-b-{uuid.uuid4().hex}"
        parts_a = chunks(zlib.compress(gelf_json(a, 1700000301, filler=filler)), 4)
        parts_b = chunks(gzip.compress(gelf_json(b, 1700000302, filler=filler)), 4)
        datagrams += [part for pair in zip(parts_a, reversed(parts_b)) for part in pair]
        expected[a] = ("1700000301", {"_filler": filler})
        expected[b] = ("1700000302", {"_filler": filler})
        self.send_datagrams(datagrams)
        self.assert_each_once(self.delivered(set(expected)), expected)
        self.assertEqual(self.drops("gelf_invalid"), invalid_before)

    def test_missing_chunk_is_dropped_after_five_seconds_and_counted(self):
        incomplete_before = self.drops("gelf_incomplete")
        text = f"missing-{uuid.uuid4().hex}"
        parts = chunks(zlib.compress(gelf_json(text, 1700000400, filler=incompressible(4000))), 3)
        sent_at = time.monotonic()
        self.send_datagrams([parts[0], parts[2]])
        time.sleep(2)
        self.assertEqual(self.drops("gelf_incomplete"), incomplete_before, "dropped before its 5 s were up")
        self.assertTrue(wait_until(lambda: self.drops("gelf_incomplete") == incomplete_before + 1, 12),
                        "the incomplete message was not counted")
        self.assertGreaterEqual(time.monotonic() - sent_at, 4.5)
        # The late chunk starts a new message rather than completing the dropped one: nothing arrives.
        control = f"control-{uuid.uuid4().hex}"
        self.send_datagrams([gelf_json(control, 1700000401)])
        self.assertIn(control, self.delivered({control}))
        self.assertEqual(self.delivered({text}, timeout=1), {})

    def test_sequence_count_over_128_is_invalid(self):
        invalid_before = self.drops("gelf_invalid")
        text = f"excess-{uuid.uuid4().hex}"
        payload = gelf_json(text, 1700000500)
        message_id = os.urandom(8)
        bad = [CHUNK_MAGIC + message_id + bytes([0, 129]) + payload,         # count > 128
               CHUNK_MAGIC + message_id + bytes([200, 129]) + payload,       # and its number too
               CHUNK_MAGIC + os.urandom(8) + bytes([5, 5]) + payload,       # number >= count
               CHUNK_MAGIC + os.urandom(8) + bytes([0, 0]) + payload,       # count 0
               CHUNK_MAGIC + b"\x01\x02\x03"]                                # shorter than a header
        self.send_datagrams(bad)
        self.assertTrue(wait_until(lambda: self.drops("gelf_invalid") == invalid_before + len(bad), 10))
        # 128 chunks is the most a message may have, and is fine.
        whole = f"max-chunks-{uuid.uuid4().hex}"
        self.send_datagrams(chunks(gelf_json(whole, 1700000501) + b" " * 2000, 128))
        self.assert_each_once(self.delivered({whole}), {whole: ("1700000501", {})})
        self.assertEqual(self.delivered({text}, timeout=1), {})
        self.assertEqual(self.drops("gelf_invalid"), invalid_before + len(bad))

    def test_decompression_bombs_are_dropped_and_the_relay_stays_small(self):
        invalid_before = self.drops("gelf_invalid")
        # 60 MiB of JSON in one ~60 KB zlib datagram, and 200 MiB in 64 gzip chunks (~200 KB).
        def bomb(megabytes, compressor):
            text = f"bomb-{uuid.uuid4().hex}"
            out = [compressor.compress(b'{"short_message":"' + text.encode() + b'","_pad":"')]
            block = b" " * (1 << 20)
            out += [compressor.compress(block) for _ in range(megabytes)]
            out.append(compressor.compress(b'"}') + compressor.flush())
            return text, b"".join(out)
        zlib_text, zlib_bomb = bomb(60, zlib.compressobj(9))
        gzip_text, gzip_bomb = bomb(200, zlib.compressobj(9, zlib.DEFLATED, 31))
        self.assertLess(len(zlib_bomb), 65000)
        self.send_datagrams([zlib_bomb])
        self.send_datagrams(chunks(gzip_bomb, 64))
        self.assertTrue(wait_until(lambda: self.drops("gelf_invalid") == invalid_before + 2, 10),
                        f"bombs not counted: {self.drops('gelf_invalid') - invalid_before}")
        # Still serving, and nothing of the bombs delivered.
        after = f"after-bombs-{uuid.uuid4().hex}"
        self.send_datagrams([zlib.compress(gelf_json(after, 1700000600))])
        self.assert_each_once(self.delivered({after}), {after: ("1700000600", {})})
        self.assertEqual(self.delivered({zlib_text, gzip_text}, timeout=1), {})
        peak = peak_rss_kib(self.relay.process.pid)
        print(f"\n  decompression bombs: relay peak RSS {peak / 1024:.1f} MiB", flush=True)
        self.assertLess(peak, 256 * 1024)


if __name__ == "__main__":
    unittest.main(verbosity=2)
