"""Start-up checks, exit codes, shutdown without loss, and spool leftovers."""
import gzip
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from relay_harness import BINARY, Relay, dump_events, free_port, run_relay
from relay_probes import dropped, wait_until


class ExitCodes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kinesyslog-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def listen(self, *args, env=None):
        return run_relay("listen", "--output-dir", self.tmp, "--spool-dir", self.tmp, *args, env=env)

    def test_no_listener_is_a_configuration_error_naming_the_options(self):
        result = self.listen()
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"--tcp-port", result.stderr)
        self.assertIn(b"--udp-port", result.stderr)

    def test_port_in_use_is_a_configuration_error(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = self.listen("--address", "127.0.0.1", "--tls-port", "0", "--tcp-port", str(port))
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(str(port).encode(), result.stderr)

    def test_privileged_port_without_capability_is_permission_denied(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to drop to an unprivileged user")
        nobody = pwd.getpwnam("nobody")
        os.chmod(self.tmp, 0o1777)  # sticky: a world-writable spool without it is refused
        result = subprocess.run(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                                 "--inh-caps=-all", BINARY, "listen", "--output-dir", self.tmp, "--spool-dir", self.tmp,
                                 "--tls-port", "0", "--tcp-port", "514", "--address", "127.0.0.1"],
                                capture_output=True, timeout=15)
        self.assertEqual(result.returncode, 77, result.stderr)
        self.assertIn(b"514", result.stderr)

    def test_explicit_tls_port_without_certificate_is_refused(self):
        result = self.listen("--tls-port", "6514")
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(b"--tls-port", result.stderr)

    def test_unknown_option_is_a_usage_error(self):
        self.assertEqual(run_relay("listen", "--no-such-option").returncode, 64)

    def test_help_lists_every_option_with_its_environment_variable(self):
        result = run_relay("listen", "--help")
        self.assertEqual(result.returncode, 0)
        for option in ("stream", "address", "udp-port", "tcp-port", "tls-port", "cert", "key", "proxy-protocol",
                       "prometheus-port", "spool-dir", "spool-max-bytes", "region", "profile", "gelf",
                       "group-prefix", "debug", "debug-asyncio", "output-dir", "endpoint-url", "flush-age",
                       "flush-size", "delivery-interval", "max-message-size", "client-ca", "compression-level", "random-ids"):
            self.assertIn(f"--{option}".encode(), result.stdout, option)
            self.assertIn(f"KINESYSLOG_{option.upper().replace('-', '_')}".encode(), result.stdout, option)


class Lifecycle(unittest.TestCase):
    def test_sigterm_delivers_open_batches(self):
        """Batches that would stay open for an hour are closed, spooled and delivered on SIGTERM."""
        with Relay("--flush-age", "3600", "--delivery-interval", "3600") as relay:
            with socket.create_connection(("127.0.0.1", relay.port)) as connection:
                for i in range(5000):
                    connection.sendall(f"<13>1 2026-11-24T10:00:00Z host app - - - tcp {i}\n".encode())
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for i in range(300):
                    udp.sendto(f"<13>1 2026-11-24T10:00:00Z host app - - - udp {i}".encode(), ("127.0.0.1", relay.port))
                    if i % 50 == 0:
                        time.sleep(0.01)
            time.sleep(0.5)
            self.assertEqual(relay.output_objects(), [], "nothing is delivered before the signal")
            started = time.monotonic()
            self.assertEqual(relay.stop(), 0, relay.read_log())
            self.assertLess(time.monotonic() - started, 10)
            messages = [e["message"] for e in relay.delivered_events()]
            # Only the lock file (one relay per spool) stays.
            self.assertEqual(os.listdir(relay.spool_dir), [".lock"], "the spool is empty after delivery")
        self.assertEqual(sorted(m for m in messages if " tcp " in m),
                         sorted(f"<13>1 2026-11-24T10:00:00Z host app - - - tcp {i}" for i in range(5000)))
        self.assertEqual(len([m for m in messages if " udp " in m]), 300)

    def test_records_left_in_the_spool_are_delivered_at_start(self):
        workdir = tempfile.mkdtemp(prefix="kinesyslog-it-")
        relay = Relay("--flush-age", "1", workdir=workdir)
        record = {"owner": "000000000000", "logGroup": "/kinesyslog/syslog/5514", "logStream": "192.0.2.1",
                  "subscriptionFilters": ["/kinesyslog/syslog/5514"], "messageType": "DATA_MESSAGE",
                  "logEvents": [{"id": "1" * 56, "timestamp": 1, "message": "left over"}]}
        with open(os.path.join(relay.spool_dir, "firehose_event-00000000000000000001-1-1"), "wb") as leftover:
            leftover.write(gzip.compress(json.dumps(record, separators=(",", ":")).encode()))
        with relay:
            events = relay.wait_for_events(1)
            self.assertEqual([(e["logStream"], e["message"]) for e in events], [("192.0.2.1", "left over")])
            self.assertEqual(relay.stop(), 0)
            self.assertEqual(os.listdir(relay.spool_dir), [".lock"])

    def test_spool_cap_refuses_new_records_and_keeps_old_ones(self):
        """Past --spool-max-bytes new records are refused and counted as spool_full; what was
        spooled before stays and is delivered; /health says 503 meanwhile."""
        cap, total = 1_024_000, 3000
        metrics_port = free_port()
        with Relay("--spool-max-bytes", str(cap), "--delivery-interval", "3600", "--flush-size", "65536",
                   "--flush-age", "0.2", "--prometheus-port", str(metrics_port), udp=False) as relay:
            with socket.create_connection(("127.0.0.1", relay.port)) as connection:
                for i in range(total):  # random hex compresses about 2:1, so ~1.5 MB of records
                    text = f"<13>1 2026-11-24T10:00:00Z host app - - - {os.urandom(500).hex()} {i}\n"
                    connection.sendall(text.encode())

            def spooled_events():
                return dump_events([os.path.join(relay.spool_dir, name) for name in os.listdir(relay.spool_dir)
                                    if name.startswith("firehose_event-")])

            def all_accounted():
                return dropped(metrics_port, "spool_full") + len(spooled_events()) == total
            self.assertTrue(wait_until(all_accounted, 30), relay.read_log())
            refused = dropped(metrics_port, "spool_full")
            self.assertGreater(refused, 0)
            spool_bytes = sum(os.path.getsize(os.path.join(relay.spool_dir, name))
                              for name in os.listdir(relay.spool_dir))
            # A soft cap: each of the two encoder threads may pass it by the record it was writing.
            self.assertLessEqual(spool_bytes, cap + 2 * 100_000)
            with self.assertRaises(urllib.error.HTTPError) as health:
                urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/health", timeout=5)
            self.assertEqual(health.exception.code, 503)
            self.assertIn("(--spool-max-bytes): spool directory", relay.read_log())
            self.assertEqual(relay.output_objects(), [], "nothing is delivered before the signal")
            self.assertEqual(relay.stop(), 0, relay.read_log())
            delivered = [int(e["message"].rsplit(" ", 1)[-1]) for e in relay.delivered_events()]
        self.assertEqual(len(delivered), len(set(delivered)), "no event delivered twice")
        self.assertEqual(len(delivered) + refused, total)

    def test_environment_configures_repeated_ports(self):
        ports = [free_port(), free_port()]
        relay = Relay(tcp=False, udp=False, env={"KINESYSLOG_TCP_PORT": f"{ports[0]} {ports[1]}"})
        relay.port = ports[1]
        with relay:
            for port in ports:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            self.assertEqual(relay.stop(), 0)

    def test_dump_reads_standard_input(self):
        record = {"owner": "000000000000", "logGroup": "/g", "logStream": "s", "subscriptionFilters": ["/g"],
                  "messageType": "DATA_MESSAGE", "logEvents": [{"id": "2" * 56, "timestamp": 5, "message": "x/y"}]}
        data = gzip.compress(json.dumps(record).encode()) * 2
        result = subprocess.run([BINARY, "dump", "-"], input=data, capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual(lines, [{"logGroup": "/g", "logStream": "s", "id": "2" * 56, "timestamp": 5, "message": "x/y"}] * 2)


if __name__ == "__main__":
    unittest.main()
