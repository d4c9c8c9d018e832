"""util-linux `logger` sends RFC 5424 and RFC 3164 over UDP and TCP (with and without
octet counting) to the real relay; every message arrives once, grouped and stamped right."""
import datetime
import socket
import subprocess
import time
import unittest
import uuid

from relay_harness import Relay, tool


def send_with_logger(port, host, transport, fmt, message, octet_count=False):
    args = [tool("logger"), "--server", host, "--port", str(port), f"--{transport}", f"--{fmt}", "--tag", "itest"]
    if octet_count:
        args.append("--octet-count")
    subprocess.run(args + [message], check=True, timeout=10)


class LoggerTest(unittest.TestCase):
    def test_rfc5424_and_rfc3164_over_udp_and_tcp(self):
        cases = [(t, f, o) for t in ("udp", "tcp") for f in ("rfc5424", "rfc3164") for o in (False, True)
                 if not (t == "udp" and o)]
        with Relay("--flush-age", "1") as relay:
            sent = {}
            for transport, fmt, octet in cases:
                text = f"{transport}-{fmt}-{'octet' if octet else 'lf'}-{uuid.uuid4().hex}"
                sent[text] = (transport, fmt)
                send_with_logger(relay.port, "127.0.0.1", transport, fmt, text, octet)
            events = relay.wait_for_events(len(sent))
            self.assertEqual(relay.stop(), 0)
            events = relay.delivered_events()
        by_text = {}
        for event in events:
            for text in sent:
                if event["message"].endswith(text):
                    by_text.setdefault(text, []).append(event)
        now_ms = time.time() * 1000
        for text, (transport, fmt) in sent.items():
            self.assertEqual(len(by_text.get(text, [])), 1, f"{text} delivered {len(by_text.get(text, []))} times")
            event = by_text[text][0]
            self.assertEqual(event["logGroup"], f"/kinesyslog/syslog/{relay.port}")
            self.assertEqual(event["logStream"], "127.0.0.1")
            self.assertRegex(event["id"], r"^[0-9]{56}$")
            self.assertLess(abs(event["timestamp"] - now_ms), 10 * 60 * 1000)
            if fmt == "rfc5424":
                self.assertRegex(event["message"], r"^<13>1 \d{4}-\d\d-\d\dT")
                stamp = event["message"].split(" ")[1]
                expected = datetime.datetime.fromisoformat(stamp).timestamp() * 1000
                self.assertEqual(event["timestamp"], int(expected))
            else:
                self.assertRegex(event["message"], r"^<13>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d ")

    def test_ipv6_dual_stack_listener(self):
        with Relay("--flush-age", "1", address="::") as relay:
            text6, text4 = f"v6-{uuid.uuid4().hex}", f"v4-{uuid.uuid4().hex}"
            send_with_logger(relay.port, "::1", "tcp", "rfc5424", text6)
            send_with_logger(relay.port, "::1", "udp", "rfc5424", text6 + "-udp")
            send_with_logger(relay.port, "127.0.0.1", "tcp", "rfc5424", text4)
            relay.wait_for_events(3)
            self.assertEqual(relay.stop(), 0)
            streams = {e["message"].rsplit(" ", 1)[-1]: e["logStream"] for e in relay.delivered_events()}
        self.assertEqual(streams.get(text6), "::1")
        self.assertEqual(streams.get(text6 + "-udp"), "::1")
        self.assertEqual(streams.get(text4), "127.0.0.1")  # IPv4-mapped on a dual-stack socket

    def test_message_without_timestamp_is_rewritten_and_bad_utf8_kept(self):
        with Relay("--flush-age", "1") as relay:
            with socket.create_connection(("127.0.0.1", relay.port)) as connection:
                connection.sendall(b"<34>no timestamp here \xff\xfe ok\n" + b"plain words\n")
            relay.wait_for_events(2)
            self.assertEqual(relay.stop(), 0)
            messages = sorted(e["message"] for e in relay.delivered_events())
        self.assertEqual(len(messages), 2)
        self.assertRegex(messages[0], r"^<13>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z 127\.0\.0\.1 plain words$")
        self.assertRegex(messages[1],
                         r"^<34>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z 127\.0\.0\.1 no timestamp here \\xff\\xfe ok$")


if __name__ == "__main__":
    unittest.main()
