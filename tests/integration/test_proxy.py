"""PROXY protocol on --proxy-protocol ports (docs/behaviour.md §2.6) with HAProxy in front of the real relay:
send-proxy (v1), send-proxy-v2 over IPv4 and IPv6, send-proxy-v2-ssl-cn (HAProxy terminates
TLS from an `openssl s_client` with a client certificate and forwards plain text with the SSL
TLVs), and TLS passed through HAProxy to a TLS port (PROXY header first, then the client's own
TLS). The delivered logStream is always the original client's address, never HAProxy's (which
connects to the relay from 127.0.0.9). Malformed and truncated headers close the connection and
are counted, while another client on the same port keeps being served."""
import contextlib
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from relay_harness import Relay, free_port, tool
from relay_probes import (PROXY_V2_SIGNATURE, closed_by_peer, dropped, events_with, make_tls_material, proxy_v1,
                          proxy_v2, syslog_line, wait_until)

HAPROXY_SOURCE = "127.0.0.9"  # HAProxy's own address towards the relay


class Haproxy:
    """haproxy -db with a `mode tcp` config: frontends on free loopback ports, each with a
    backend that is one server line."""

    def __init__(self, workdir, frontends):
        """`frontends`: {name: (bind address, bind options, server address, server port, server options)}."""
        self.workdir = workdir
        self.ports = {}
        self.ready_port = free_port()
        lines = ["global", "  maxconn 1000",
                 "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 60s",
                 "  timeout server 60s", f"  source {HAPROXY_SOURCE}",
                 # Probed to know HAProxy has bound every frontend; never reaches the relay.
                 "frontend ready", f"  bind 127.0.0.1:{self.ready_port}", "  tcp-request connection reject"]
        for name, (address, bind_options, server_address, server_port, server_options) in frontends.items():
            port = free_port(address)
            self.ports[name] = port
            lines += [f"frontend {name}", f"  bind {address}:{port} {bind_options}".rstrip(),
                      f"  default_backend {name}_backend",
                      f"backend {name}_backend", f"  server relay {server_address}:{server_port} {server_options}"]
        self.config = os.path.join(workdir, "haproxy.cfg")
        with open(self.config, "w") as file:
            file.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(workdir, "haproxy.log")
        self.process = None

    def start(self):
        checked = subprocess.run([tool("haproxy"), "-c", "-f", self.config], capture_output=True, timeout=30)
        if checked.returncode != 0:
            raise AssertionError(f"haproxy config rejected:\n{checked.stdout.decode()}{checked.stderr.decode()}")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([tool("haproxy"), "-db", "-f", self.config], stdout=self.log,
                                        stderr=subprocess.STDOUT)

        def bound():
            if self.process.poll() is not None:
                raise AssertionError(f"haproxy exited with {self.process.returncode}:\n{self.read_log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.ready_port), timeout=1):
                return True
            return False
        if not wait_until(bound, 15):
            raise AssertionError(f"haproxy did not listen within 15 s:\n{self.read_log()}")
        return self

    def read_log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


class HeaderCapture:
    """A one-connection TCP server that keeps every byte it is sent (to see what HAProxy puts
    before the payload)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.server.settimeout(30)
        with contextlib.suppress(OSError):
            connection, _ = self.server.accept()
            with connection:
                connection.settimeout(10)
                while True:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    self.received += chunk

    def wait(self, timeout=15):
        self.thread.join(timeout)
        self.server.close()
        return self.received


def parse_v2(data):
    """(source address text, TLVs {type: value}, payload) of a PROXY v2 PROXY/TCP4 header."""
    assert data.startswith(PROXY_V2_SIGNATURE), data[:16]
    version_command, family = data[12], data[13]
    assert version_command == 0x21 and family == 0x11, (version_command, family)
    length = struct.unpack("!H", data[14:16])[0]
    block, payload = data[16:16 + length], data[16 + length:]
    source = socket.inet_ntop(socket.AF_INET, block[0:4])
    tlvs, rest = {}, block[12:]
    while rest:
        kind, size = rest[0], struct.unpack("!H", rest[1:3])[0]
        tlvs[kind] = rest[3:3 + size]
        rest = rest[3 + size:]
    return source, tlvs, payload


def ssl_sub_tlvs(value):
    """PP2_TYPE_SSL: client (1 byte), verify (4 bytes), then sub-TLVs."""
    client, verify = value[0], struct.unpack("!I", value[1:5])[0]
    subs, rest = {}, value[5:]
    while rest:
        kind, size = rest[0], struct.unpack("!H", rest[1:3])[0]
        subs[kind] = rest[3:3 + size]
        rest = rest[3 + size:]
    return client, verify, subs


def send_from(source, host, port, lines, timeout=10):
    """One TCP connection from `source` (bound before connecting) sending LF-terminated lines."""
    with socket.create_connection((host, port), timeout=timeout, source_address=(source, 0)) as connection:
        connection.sendall(b"".join(line.encode() + b"\n" for line in lines))
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(timeout)
        with contextlib.suppress(OSError):
            connection.recv(1)  # until the far end closes: everything was taken


class BehindHaproxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="kinesyslog-proxy-")
        cls.tls = make_tls_material(cls.workdir)
        cls.tls_port = free_port()
        cls.metrics_port = free_port()
        cls.relay = Relay("--flush-age", "1", "--prometheus-port", str(cls.metrics_port),
                          "--tls-port", str(cls.tls_port), "--cert", cls.tls["server.pem"],
                          "--key", cls.tls["server.key"], udp=False)
        cls.relay.args += ["--proxy-protocol", str(cls.relay.port), "--proxy-protocol", str(cls.tls_port)]
        cls.relay.start()
        cls.capture = HeaderCapture()
        ssl_bind = f"ssl crt {cls.tls['server-bundle.pem']} ca-file {cls.tls['ca.pem']} verify required"
        cls.haproxy = Haproxy(cls.workdir, {
            "v1": ("127.0.0.1", "", "127.0.0.1", cls.relay.port, "send-proxy"),
            "v2": ("127.0.0.1", "", "127.0.0.1", cls.relay.port, "send-proxy-v2"),
            "v2_ipv6": ("::1", "", "127.0.0.1", cls.relay.port, "send-proxy-v2"),
            "ssl_cn": ("127.0.0.1", ssl_bind, "127.0.0.1", cls.relay.port, "send-proxy-v2-ssl-cn"),
            "ssl_cn_capture": ("127.0.0.1", ssl_bind, "127.0.0.1", cls.capture.port, "send-proxy-v2-ssl-cn"),
            "tls_passthrough": ("127.0.0.1", "", "127.0.0.1", cls.tls_port, "send-proxy-v2"),
        })
        try:
            cls.haproxy.start()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.haproxy.stop()
        cls.relay.cleanup()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def assert_delivered_from(self, texts, source, port=None):
        found = events_with(self.relay, texts)
        for text in texts:
            self.assertEqual(len(found.get(text, [])), 1, f"{text!r}: {found.get(text)}\n{self.relay.read_log()}")
            event = found[text][0]
            self.assertEqual(event["logStream"], source)
            self.assertEqual(event["logGroup"], f"/kinesyslog/syslog/{port or self.relay.port}")

    def test_send_proxy_v1_and_v2_over_ipv4_name_the_client(self):
        for frontend, client in (("v1", "127.0.0.7"), ("v2", "127.0.0.6")):
            with self.subTest(frontend=frontend):
                texts = [f"{frontend}-{i}-{uuid.uuid4().hex}" for i in range(3)]
                send_from(client, "127.0.0.1", self.haproxy.ports[frontend], [syslog_line(t) for t in texts])
                self.assert_delivered_from(texts, client)

    def test_send_proxy_v2_over_ipv6_names_the_client(self):
        texts = [f"v2-ipv6-{i}-{uuid.uuid4().hex}" for i in range(3)]
        send_from("::1", "::1", self.haproxy.ports["v2_ipv6"], [syslog_line(t) for t in texts])
        self.assert_delivered_from(texts, "::1")

    def run_s_client(self, frontend, lines):
        """openssl s_client with the client certificate, sending `lines` through HAProxy's TLS frontend."""
        result = subprocess.run(
            [tool("openssl"), "s_client", "-connect", f"127.0.0.1:{self.haproxy.ports[frontend]}",
             "-cert", self.tls["client.pem"], "-key", self.tls["client.key"], "-CAfile", self.tls["ca.pem"],
             "-verify_return_error", "-quiet", "-no_ign_eof"],
            input="".join(line + "\n" for line in lines).encode(), capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr.decode())

    def test_send_proxy_v2_ssl_cn_carries_tlvs_and_the_client_address(self):
        # What HAProxy sends: a v2 header with PP2_TYPE_SSL holding the client certificate's CN.
        probe = f"capture-{uuid.uuid4().hex}"
        self.run_s_client("ssl_cn_capture", [syslog_line(probe)])
        source, tlvs, payload = parse_v2(self.capture.wait())
        self.assertEqual(source, "127.0.0.1")
        self.assertIn(0x20, tlvs)  # PP2_TYPE_SSL
        client, verify, subs = ssl_sub_tlvs(tlvs[0x20])
        self.assertEqual(client & 0x03, 0x03, "PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN")
        self.assertEqual(verify, 0)
        self.assertEqual(subs.get(0x22), b"proxy-client")  # PP2_SUBTYPE_SSL_CN
        self.assertEqual(payload, syslog_line(probe).encode() + b"\n")

        # The same through to the relay: TLVs accepted, the client's address delivered.
        texts = [f"ssl-cn-{i}-{uuid.uuid4().hex}" for i in range(3)]
        self.run_s_client("ssl_cn", [syslog_line(t) for t in texts])
        self.assert_delivered_from(texts, "127.0.0.1")

    def test_tls_passed_through_haproxy_to_a_tls_port(self):
        context = ssl.create_default_context(cafile=self.tls["ca.pem"])
        texts = [f"tls-passthrough-{i}-{uuid.uuid4().hex}" for i in range(3)]
        with socket.create_connection(("127.0.0.1", self.haproxy.ports["tls_passthrough"]), timeout=10,
                                      source_address=("127.0.0.5", 0)) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as connection:
                self.assertIn(connection.version(), ("TLSv1.2", "TLSv1.3"))
                connection.sendall(b"".join(syslog_line(t).encode() + b"\n" for t in texts))
                connection.unwrap()
        self.assert_delivered_from(texts, "127.0.0.5", port=self.tls_port)

    def test_haproxy_address_never_appears(self):
        text = f"v2-marker-{uuid.uuid4().hex}"
        send_from("127.0.0.4", "127.0.0.1", self.haproxy.ports["v2"], [syslog_line(text)])
        self.assert_delivered_from([text], "127.0.0.4")
        self.assertNotIn(HAPROXY_SOURCE, {event["logStream"] for event in self.relay.delivered_events()})


class BadHeaders(unittest.TestCase):
    def test_malformed_and_truncated_headers_close_the_connection_and_are_counted(self):
        metrics_port = free_port()
        relay = Relay("--flush-age", "1", "--prometheus-port", str(metrics_port), udp=False)
        relay.args += ["--proxy-protocol", str(relay.port)]
        relay.start()
        self.addCleanup(relay.cleanup)
        # The harness's readiness probe connected and closed without a header: that counts too.
        self.assertTrue(wait_until(lambda: dropped(metrics_port, "bad_proxy_header") >= 1, 10))
        baseline = dropped(metrics_port, "bad_proxy_header")

        # A well-behaved client stays connected throughout and keeps sending.
        good = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        self.addCleanup(good.close)
        good.sendall(proxy_v1("127.0.0.8", "127.0.0.1", 40001, relay.port))
        sent = []

        def send_good(label):
            text = f"good-{label.replace(' ', '-')}-{uuid.uuid4().hex}"
            sent.append(text)
            good.sendall(syslog_line(text).encode() + b"\n")

        send_good("before")
        malformed = {
            "garbage": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "bad v2 signature": b"\r\n\r\n\x00\r\nQUIX\n" + bytes([0x21, 0x11, 0, 12]) + bytes(12),
            "v1 too long": b"PROXY UNKNOWN " + b"x" * 120 + b"\r\n",
            "v1 bad address": b"PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\n",
            "v2 bad version": PROXY_V2_SIGNATURE + bytes([0x31, 0x11, 0, 12]) + bytes(12),
        }
        for name, header in malformed.items():
            with self.subTest(header=name), socket.create_connection(("127.0.0.1", relay.port), timeout=5) as bad:
                bad.sendall(header + syslog_line(f"must-not-arrive-{name}").encode() + b"\n")
                self.assertTrue(closed_by_peer(bad, 5), f"{name}: connection left open")
            send_good(name)

        # Truncated: half a v2 header and half a v1 line, then silence; closed after 5 s.
        full_v2 = proxy_v2("127.0.0.3", "127.0.0.1", 40002, relay.port)
        truncated = [full_v2[:len(full_v2) // 2], b"PROXY TCP4 127.0.0.3 127.0"]
        stalled = []
        for prefix in truncated:
            connection = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
            self.addCleanup(connection.close)
            connection.sendall(prefix)
            stalled.append(connection)
        started = time.monotonic()
        self.assertFalse(closed_by_peer(stalled[0], 3), "closed before the 5 s header deadline")
        send_good("while-stalled")
        for connection in stalled:
            self.assertTrue(closed_by_peer(connection, max(0.5, 12 - (time.monotonic() - started))),
                            "a truncated header was not timed out")
        self.assertGreaterEqual(time.monotonic() - started, 4.5)
        send_good("after")

        # A v2 LOCAL header keeps the real peer (a health check, say).
        local_text = f"local-{uuid.uuid4().hex}"
        with socket.create_connection(("127.0.0.1", relay.port), timeout=5) as local:
            local.sendall(proxy_v2(local=True) + syslog_line(local_text).encode() + b"\n")

        expected = len(malformed) + len(truncated)
        self.assertTrue(wait_until(lambda: dropped(metrics_port, "bad_proxy_header") - baseline >= expected, 10))
        time.sleep(0.5)
        self.assertEqual(dropped(metrics_port, "bad_proxy_header") - baseline, expected)

        found = events_with(relay, sent + [local_text])
        for text in sent:
            self.assertEqual([e["logStream"] for e in found.get(text, [])], ["127.0.0.8"], text)
        self.assertEqual([e["logStream"] for e in found.get(local_text, [])], ["127.0.0.1"])
        good.close()
        self.assertEqual(relay.stop(), 0)
        messages = [event["message"] for event in relay.delivered_events()]
        self.assertFalse([m for m in messages if "must-not-arrive" in m])
        log = relay.read_log()  # one line per cause a minute: the first refusal and the first timeout
        self.assertIn("closed the connection from 127.0.0.1 on port", log)
        self.assertIn("no PROXY header within 5 s", log)


class ProxyFrom(unittest.TestCase):
    """--proxy-from: a PROXY header is honoured only from the listed peers (127.0.0.1 here);
    from 127.0.0.2 the connection is closed, counted and logged."""

    def start_relay(self, *extra):
        self.metrics_port = free_port()
        relay = Relay("--flush-age", "1", "--prometheus-port", str(self.metrics_port), udp=False)
        relay.args += ["--proxy-protocol", str(relay.port), *extra]
        self.addCleanup(relay.cleanup)
        # Ready once /metrics answers: the harness's own probe would send no header, and its
        # (rate-limited) log line would hide the one this test looks for.
        relay.start(wait_tcp=False)

        def serving():
            with contextlib.suppress(OSError):
                return dropped(self.metrics_port, "bad_proxy_header") == 0
        self.assertTrue(wait_until(serving, 15), relay.read_log())
        return relay

    def send_proxied(self, relay, peer, claimed, text):
        """From `peer`: a v1 header claiming `claimed`, then one line; True if the relay closed it."""
        with socket.create_connection(("127.0.0.1", relay.port), timeout=5, source_address=(peer, 0)) as connection:
            connection.sendall(proxy_v1(claimed, "127.0.0.1", 40000, relay.port) + syslog_line(text).encode() + b"\n")
            return closed_by_peer(connection, 3)

    def test_a_header_from_an_unlisted_peer_is_refused_and_counted(self):
        relay = self.start_relay("--proxy-from", "127.0.0.1/32", "--proxy-from", "fd00::/8")
        baseline = dropped(self.metrics_port, "bad_proxy_header")
        spoofed, honest = f"spoofed-{uuid.uuid4().hex}", f"honest-{uuid.uuid4().hex}"
        self.assertTrue(self.send_proxied(relay, "127.0.0.2", "203.0.113.7", spoofed), "connection left open")
        self.assertTrue(wait_until(lambda: dropped(self.metrics_port, "bad_proxy_header") == baseline + 1, 10))
        self.assertFalse(self.send_proxied(relay, "127.0.0.1", "203.0.113.8", honest))
        found = events_with(relay, [honest])
        self.assertEqual([e["logStream"] for e in found.get(honest, [])], ["203.0.113.8"])
        time.sleep(1.5)  # a batch of the refused line would have closed by now
        self.assertNotIn(spoofed, " ".join(e["message"] for e in relay.delivered_events()))
        self.assertIn("closed the connection from 127.0.0.2", relay.read_log())
        self.assertIn("not a --proxy-from address", relay.read_log())

    def test_an_unlisted_peer_is_closed_before_it_sends_anything(self):
        # Left open until its first bytes, it would hold a slot no per-source cap bounds.
        relay = self.start_relay("--proxy-from", "127.0.0.1/32")
        baseline = dropped(self.metrics_port, "bad_proxy_header")
        with socket.create_connection(("127.0.0.1", relay.port), timeout=5, source_address=("127.0.0.2", 0)) as silent:
            self.assertTrue(closed_by_peer(silent, 3), "connection left open")
        self.assertTrue(wait_until(lambda: dropped(self.metrics_port, "bad_proxy_header") == baseline + 1, 10))

    def test_without_proxy_from_any_peer_may_send_a_header(self):
        relay = self.start_relay()
        text = f"anyone-{uuid.uuid4().hex}"
        self.assertFalse(self.send_proxied(relay, "127.0.0.2", "203.0.113.9", text))
        found = events_with(relay, [text])
        self.assertEqual([e["logStream"] for e in found.get(text, [])], ["203.0.113.9"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
