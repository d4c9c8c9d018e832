"""TLS listeners of the real relay, driven by real TLS clients: openssl s_client (TLS 1.3 and
1.2; 1.1 refused), rsyslog forwarding octet-counted with a client certificate, loggen under
load, client-certificate checks with --client-ca, SIGHUP reload of the certificate, and the
handshake deadline. Certificates are made for each run (tls_certs.TestPki).

Every wait is bounded; every openssl s_client runs under `timeout`.
"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from relay_harness import Relay, free_port, tool
from relay_probes import scrape
from tls_certs import CLIENT_CN, SERVER_CN, TestPki

SEQ = re.compile(r"seq: (\d{10}),")
PKI = None


def setUpModule():
    global PKI
    PKI = TestPki()


def tearDownModule():
    PKI.cleanup()


def tls_refused(metrics_port):
    for line in scrape(metrics_port).splitlines():
        if line.startswith('kinesyslog_dropped_messages_total{reason="tls_refused"} '):
            return float(line.split()[1])
    raise AssertionError("no tls_refused sample in /metrics")


def syslog(text):
    return f"<13>1 2026-11-24T10:00:00Z host app - - - {text}"


def octet_counted(message):
    data = message.encode()
    return str(len(data)).encode() + b" " + data


def s_client(port, *args, data=b"", seconds=10):
    """One openssl s_client connection that sends `data` then closes (stdin EOF ends it)."""
    return subprocess.run(["timeout", str(seconds), "openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                           "-servername", "localhost", "-CAfile", PKI.ca_cert, "-verify_return_error",
                           "-nocommands", "-no_ign_eof", *args],
                          input=data, capture_output=True, timeout=seconds + 5)


def client_context(cert=None, key=None, ca=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(ca or PKI.ca_cert)
    if cert:
        context.load_cert_chain(cert, key)
    return context


def open_tls(port, context, timeout=10):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return context.wrap_socket(raw, server_hostname="localhost")


def peer_common_name(tls_socket):
    return dict(pair[0] for pair in tls_socket.getpeercert()["subject"])["commonName"]


class TlsTest(unittest.TestCase):
    def start_relay(self, *args, cert=None, key=None, client_ca=False):
        self.tls_port = free_port()
        self.metrics_port = free_port()
        relay = Relay("--tls-port", str(self.tls_port), "--cert", cert or PKI.server_cert, "--key", key or PKI.server_key,
                      *(["--client-ca", PKI.ca_cert] if client_ca else []),
                      "--prometheus-port", str(self.metrics_port), "--flush-age", "1", *args, udp=False)
        self.addCleanup(relay.cleanup)
        relay.start()  # waits for the plain TCP port, which every test also uses as a bystander
        self.group = f"/kinesyslog/syslog/{self.tls_port}"
        return relay

    def wait_for_log(self, relay, pattern, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, relay.read_log()):
                return
            time.sleep(0.1)
        self.fail(f"no log line matching {pattern!r} within {timeout}s:\n{relay.read_log()}")

    def wait_for_refused(self, expected, timeout=15):
        deadline = time.monotonic() + timeout
        while tls_refused(self.metrics_port) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(tls_refused(self.metrics_port), expected, "tls_refused in /metrics")

    def events_with(self, relay, marker, count, timeout=30):
        """Waits for `count` delivered events whose message contains `marker`; returns them."""
        deadline = time.monotonic() + timeout
        found = []
        while time.monotonic() < deadline:
            found = [e for e in relay.delivered_events() if marker in e["message"]]
            if len(found) >= count:
                break
            time.sleep(0.2)
        return found

    def assert_once_each(self, events, expected_messages):
        self.assertEqual(sorted(e["message"] for e in events), sorted(expected_messages))
        for event in events:
            self.assertEqual(event["logGroup"], self.group)
            self.assertEqual(event["logStream"], "127.0.0.1")

    # --- openssl s_client -------------------------------------------------------------------

    def test_s_client_tls13_and_tls12_octet_counted_and_lf_delivered_once_tls11_refused(self):
        relay = self.start_relay()
        expected = []
        for version, label in (("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")):
            payload = b""
            for i in range(3):
                lf = syslog(f"sclient {label} lf {i}")
                # Octet counting keeps an LF inside a message (RFC 6587 §3.4.1).
                counted = syslog(f"sclient {label} counted {i}\nsecond line")
                payload += lf.encode() + b"\n" + octet_counted(counted)
                expected += [lf, counted]
            result = s_client(self.tls_port, version, data=payload)
            output = result.stdout.decode(errors="replace")
            self.assertEqual(result.returncode, 0, output + result.stderr.decode(errors="replace"))
            self.assertIn(f"New, {label}, Cipher is", output)
            self.assertIn("Verify return code: 0 (ok)", output)
        events = self.events_with(relay, "sclient", len(expected))
        time.sleep(1.5)  # a duplicate would show up within a flush age
        self.assert_once_each([e for e in relay.delivered_events() if "sclient" in e["message"]], expected)

        # TLS 1.1 (the client lowered its own floor to offer it) is refused by the relay.
        result = s_client(self.tls_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                          data=octet_counted(syslog("tls11 must not arrive")))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("alert protocol version", result.stderr.decode(errors="replace"))
        self.wait_for_log(relay, rf"TLS handshake with 127\.0\.0\.1 on port {self.tls_port} failed: unsupported protocol")
        self.wait_for_refused(1)
        self.assertEqual(self.events_with(relay, "tls11", 1, timeout=2), [])
        self.assertEqual(len(events), 12)

    # --- rsyslog ----------------------------------------------------------------------------

    def test_rsyslog_forwards_octet_counted_over_tls_with_a_client_certificate(self):
        relay = self.start_relay(client_ca=True)
        rsyslog = self.start_rsyslog(self.tls_port)
        count = 200
        with socket.create_connection(("127.0.0.1", rsyslog.input_port), timeout=10) as plain:
            plain.sendall("".join(syslog(f"rsyslog-tls {i}") + "\n" for i in range(count)).encode())
        events = self.events_with(relay, "rsyslog-tls", count, timeout=45)
        self.assertEqual(len(events), count, rsyslog.diagnostics() + relay.read_log())
        time.sleep(1.5)  # a duplicate would show up within a flush age
        events = [e for e in relay.delivered_events() if "rsyslog-tls" in e["message"]]
        # RSYSLOG_SyslogProtocol23Format ends each message with LF, inside the octet count; the
        # relay keeps the counted octets as they are, as the original did.
        self.assert_once_each(events, [syslog(f"rsyslog-tls {i}") + "\n" for i in range(count)])
        self.assertEqual(events[0]["timestamp"], 1795514400000)
        self.assertEqual(tls_refused(self.metrics_port), 0, relay.read_log())

    def start_rsyslog(self, tls_port):
        rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        if not os.path.exists(rsyslogd):
            self.fail("rsyslogd is not installed; run scripts/install-deps.sh --tests")
        work = tempfile.mkdtemp(prefix="kinesyslog-rsyslog-")
        self.addCleanup(shutil.rmtree, work, True)
        input_port = free_port()
        internal_log = os.path.join(work, "internal.log")
        conf = os.path.join(work, "rsyslog.conf")
        # No imuxsock/imklog: only a plain TCP input on loopback, so the system's /dev/log and
        # /var/log are never touched. Internal messages go to a file in the work directory.
        with open(conf, "w") as out:
            out.write(f"""
global(workDirectory="{work}"
       DefaultNetstreamDriverCAFile="{PKI.ca_cert}"
       DefaultNetstreamDriverCertFile="{PKI.client_cert}"
       DefaultNetstreamDriverKeyFile="{PKI.client_key}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{input_port}" ruleset="forward")
ruleset(name="forward") {{
  action(type="omfwd" target="127.0.0.1" port="{tls_port}" protocol="tcp"
         StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
         StreamDriverPermittedPeers="{SERVER_CN}"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
         action.resumeInterval="1" action.resumeRetryCount="-1")
}}
*.* action(type="omfile" file="{internal_log}")
""")
        check = subprocess.run([rsyslogd, "-N1", "-f", conf], capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        output = open(os.path.join(work, "stdout.log"), "wb")
        self.addCleanup(output.close)
        process = subprocess.Popen([rsyslogd, "-n", "-f", conf, "-i", os.path.join(work, "rsyslogd.pid")],
                                   stdout=output, stderr=subprocess.STDOUT)

        def stop():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.addCleanup(stop)

        class Handle:
            pass
        handle = Handle()
        handle.input_port = input_port

        def diagnostics():
            text = ""
            for name in ("stdout.log", "internal.log"):
                path = os.path.join(work, name)
                if os.path.exists(path):
                    with open(path, errors="replace") as log:
                        text += f"--- rsyslog {name}:\n{log.read()}"
            return text
        handle.diagnostics = diagnostics
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.fail(f"rsyslogd exited with {process.returncode}:\n{diagnostics()}")
            try:
                socket.create_connection(("127.0.0.1", input_port), timeout=1).close()
                return handle
            except OSError:
                time.sleep(0.1)
        self.fail(f"rsyslogd did not listen within 15 s:\n{diagnostics()}")

    # --- loggen -----------------------------------------------------------------------------

    def test_loggen_over_tls_20000_messages_delivered_exactly_once(self):
        count = 20_000
        relay = self.start_relay("--flush-age", "2")
        # --use-ssl is loggen's TLS transport (TCP implied; with --inet/--stream it refuses to run).
        result = subprocess.run([tool("loggen"), "--use-ssl", "--rate", "1000000", "--size", "200",
                                 "--number", str(count), "127.0.0.1", str(self.tls_port)],
                                capture_output=True, timeout=300)
        stderr = result.stderr.decode(errors="replace")
        # loggen exits 0 even when it cannot connect: its own count says what it sent.
        self.assertEqual(result.returncode, 0, stderr)
        self.assertIn(f"count={count},", stderr)
        self.assertEqual(relay.stop(timeout=30), 0, relay.read_log())
        events = relay.delivered_events()
        seqs = [int(SEQ.search(e["message"]).group(1)) for e in events]
        self.assertEqual(len(seqs), count, "messages delivered")
        self.assertEqual(sorted(seqs), list(range(count)), "each sequence number exactly once")
        self.assertEqual({(e["logGroup"], e["logStream"]) for e in events}, {(self.group, "127.0.0.1")})

    # --- client certificates ----------------------------------------------------------------

    def test_client_ca_accepts_its_certificates_and_refuses_others_without_disturbing_anyone(self):
        relay = self.start_relay(client_ca=True)
        # A bystander with a good certificate keeps one connection open throughout, and so does a
        # plain TCP sender.
        bystander = open_tls(self.tls_port, client_context(PKI.client_cert, PKI.client_key))
        self.addCleanup(bystander.close)
        plain = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
        self.addCleanup(plain.close)
        bystander.sendall((syslog("bystander before") + "\n").encode())
        plain.sendall((syslog("plain before") + "\n").encode())

        accepted = s_client(self.tls_port, "-cert", PKI.client_cert, "-key", PKI.client_key,
                            data=octet_counted(syslog("cert-from-ca accepted")))
        self.assertEqual(accepted.returncode, 0, accepted.stderr.decode(errors="replace"))

        # Each refusal over TLS 1.2 and 1.3. In TLS 1.3 the client finishes its handshake before
        # the server has checked its certificate, so whether s_client sees the alert before it
        # exits is a race: there only the relay's side (log, metric, nothing delivered) counts.
        refused = 0
        for version in ("-tls1_2", "-tls1_3"):
            no_cert = s_client(self.tls_port, version, data=octet_counted(syslog(f"no-cert {version} refused")))
            refused += 1
            self.wait_for_log(relay, rf"TLS handshake with 127\.0\.0\.1 on port {self.tls_port} failed: "
                                     r"peer did not return a certificate")
            self.wait_for_refused(refused)

            foreign = s_client(self.tls_port, version, "-cert", PKI.foreign_client_cert, "-key", PKI.foreign_client_key,
                               data=octet_counted(syslog(f"foreign-ca {version} refused")))
            refused += 1
            self.wait_for_log(relay, rf"TLS handshake with 127\.0\.0\.1 on port {self.tls_port} failed: certificate "
                                     r"verify failed \(client certificate: unable to get local issuer certificate\)")
            self.wait_for_refused(refused)
            if version == "-tls1_2":
                self.assertNotEqual(no_cert.returncode, 0)
                self.assertIn("handshake failure", no_cert.stderr.decode(errors="replace"))
                self.assertNotEqual(foreign.returncode, 0)
                self.assertIn("unknown ca", foreign.stderr.decode(errors="replace"))

        # The same refused through Python's ssl module too (TLS 1.3 reports it on the first read).
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            with open_tls(self.tls_port, client_context()) as without_certificate:
                without_certificate.sendall(b"x\n")
                without_certificate.recv(1)
        self.wait_for_refused(5)

        bystander.sendall((syslog("bystander after") + "\n").encode())
        plain.sendall((syslog("plain after") + "\n").encode())
        expected = [syslog(t) for t in ("bystander before", "bystander after", "cert-from-ca accepted")]
        events = self.events_with(relay, " ", 5)
        time.sleep(1.5)
        events = relay.delivered_events()
        tls_events = [e for e in events if e["logGroup"] == self.group]
        self.assert_once_each(tls_events, expected)
        self.assertEqual(sorted(e["message"] for e in events if e["logGroup"] != self.group),
                         [syslog("plain after"), syslog("plain before")])
        self.assertEqual(peer_common_name(bystander), SERVER_CN)

    def test_client_name_admits_only_certificates_naming_an_allowed_client(self):
        by_san_cert, by_san_key = PKI.issue("client-by-san", "unlisted-cn", PKI.ca_cert, PKI.ca_key,
                                            "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:collector.example")
        other_cert, other_key = PKI.issue("client-other", "intruder", PKI.ca_cert, PKI.ca_key,
                                          "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:intruder.example")
        relay = self.start_relay("--client-name", CLIENT_CN, "--client-name", "collector.example", client_ca=True)
        by_cn = s_client(self.tls_port, "-cert", PKI.client_cert, "-key", PKI.client_key,
                         data=octet_counted(syslog("named-by-cn accepted")))
        self.assertEqual(by_cn.returncode, 0, by_cn.stderr.decode(errors="replace"))
        by_san = s_client(self.tls_port, "-cert", by_san_cert, "-key", by_san_key,
                          data=octet_counted(syslog("named-by-san accepted")))
        self.assertEqual(by_san.returncode, 0, by_san.stderr.decode(errors="replace"))
        # TLS 1.2, so that the client itself sees the refusal (see the test above for TLS 1.3).
        other = s_client(self.tls_port, "-tls1_2", "-cert", other_cert, "-key", other_key,
                         data=octet_counted(syslog("unnamed refused")))
        self.assertNotEqual(other.returncode, 0)
        self.wait_for_log(relay, rf"TLS handshake with 127\.0\.0\.1 on port {self.tls_port} failed: certificate "
                                 r"verify failed \(client certificate: [^)]*hostname mismatch\)")
        self.wait_for_refused(1)
        events = self.events_with(relay, "accepted", 2)
        time.sleep(1.5)  # a batch of the refused line would have closed by now
        self.assert_once_each([e for e in relay.delivered_events() if e["logGroup"] == self.group],
                              [syslog("named-by-cn accepted"), syslog("named-by-san accepted")])
        self.assertEqual(len(events), 2)

    def test_client_name_without_client_ca_is_a_configuration_error(self):
        relay = Relay("--tls-port", str(free_port()), "--cert", PKI.server_cert, "--key", PKI.server_key,
                      "--client-name", CLIENT_CN, udp=False)
        self.addCleanup(relay.cleanup)
        relay.start(wait_tcp=False)
        self.assertEqual(relay.process.wait(timeout=15), 78, relay.read_log())
        self.assertIn("--client-name", relay.read_log())

    # --- SIGHUP reload ----------------------------------------------------------------------

    def test_sighup_reloads_the_certificate_for_new_connections_and_keeps_open_ones(self):
        files = tempfile.mkdtemp(prefix="kinesyslog-tls-reload-")
        self.addCleanup(shutil.rmtree, files, True)
        cert, key = os.path.join(files, "server.pem"), os.path.join(files, "server.key")
        shutil.copy(PKI.server_cert, cert)
        shutil.copy(PKI.server_key, key)
        relay = self.start_relay(cert=cert, key=key)

        before = open_tls(self.tls_port, client_context())
        self.addCleanup(before.close)
        self.assertEqual(peer_common_name(before), SERVER_CN)
        before.sendall((syslog("reload old connection 1") + "\n").encode())

        renewed_cn = "kinesyslog-renewed-server"
        renewed_cert, renewed_key = PKI.issue_server(renewed_cn)
        # Replaced the way a certificate manager does it: new files renamed over the old ones.
        for source, target in ((renewed_cert, cert), (renewed_key, key)):
            shutil.copy(source, target + ".new")
            os.replace(target + ".new", target)
        relay.process.send_signal(signal.SIGHUP)
        self.wait_for_log(relay, r"SIGHUP: reloaded the TLS certificate")

        result = s_client(self.tls_port, data=octet_counted(syslog("reload new connection")))
        output = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, output + result.stderr.decode(errors="replace"))
        self.assertRegex(output, rf"subject=CN ?= ?{renewed_cn}")

        # The connection opened before the reload goes on working with the old certificate.
        before.sendall((syslog("reload old connection 2") + "\n").encode())
        self.assertEqual(peer_common_name(before), SERVER_CN)
        expected = [syslog("reload old connection 1"), syslog("reload old connection 2"), syslog("reload new connection")]
        self.events_with(relay, "reload", len(expected))
        time.sleep(1.5)
        self.assert_once_each([e for e in relay.delivered_events() if "reload" in e["message"]], expected)

        # A broken pair on the next SIGHUP keeps the working one.
        with open(key, "w") as broken:
            broken.write("not a key\n")
        relay.process.send_signal(signal.SIGHUP)
        self.wait_for_log(relay, r"SIGHUP: kept the previous TLS material")
        result = s_client(self.tls_port, data=b"")
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        self.assertRegex(result.stdout.decode(errors="replace"), rf"subject=CN ?= ?{renewed_cn}")

    # --- handshake deadline -----------------------------------------------------------------

    def test_a_handshake_that_never_starts_is_closed_after_10_seconds_and_counted(self):
        relay = self.start_relay()
        silent = socket.create_connection(("127.0.0.1", self.tls_port), timeout=15)
        self.addCleanup(silent.close)
        started = time.monotonic()
        # Meanwhile others are served.
        result = s_client(self.tls_port, data=octet_counted(syslog("deadline bystander")))
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        try:
            data = silent.recv(1)
        except ConnectionResetError:
            data = b""
        elapsed = time.monotonic() - started
        self.assertEqual(data, b"", "closed by the relay")
        self.assertGreaterEqual(elapsed, 9.0)
        self.assertLessEqual(elapsed, 15.0)
        self.wait_for_log(relay, rf"closed the connection from 127\.0\.0\.1 on port {self.tls_port}: "
                                 r"TLS handshake not done within 10 s")
        self.wait_for_refused(1)
        self.assertEqual(len(self.events_with(relay, "deadline bystander", 1)), 1)
        print(f"\nsilent TLS connection closed after {elapsed:.1f} s", flush=True)


if __name__ == "__main__":
    unittest.main()
