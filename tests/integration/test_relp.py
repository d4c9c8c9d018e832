"""RELP listeners of the real relay, driven by rsyslog's omrelp (Debian rsyslog-relp): messages
fed to rsyslog over a loopback imtcp input are forwarded with omrelp and must arrive exactly
once; RELP over TLS with a client certificate; a SIGTERM mid-stream sends `serverclose`, and
after a restart on the same port rsyslog reconnects and nothing is lost. Also the protocol
from a plain socket: the answer to `open`, acknowledgements, and garbage refused and counted.

rsyslog runs in the foreground with its own configuration and work directory, and without
imuxsock/imklog, so the system's logging is never touched. Every wait is bounded.
"""
import collections
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from relay_harness import Relay, free_port
from relay_probes import dropped, omrelp_forwarding_config, proxy_v1, sample, scrape, wait_until
from tls_certs import SERVER_CN, TestPki

MARK = re.compile(r"relp-test (\w+) (\d{6})")
PKI = None


def setUpModule():
    global PKI
    PKI = TestPki()


def tearDownModule():
    PKI.cleanup()


def frame(txnr, command, data=b""):
    text = b"%d %s %d" % (txnr, command, len(data))
    if data:
        text += b" " + data
    return text + b"\n"


def read_until(connection, predicate, timeout=10):
    """Reads until predicate(received) holds, the peer closes, or the time is up."""
    connection.settimeout(0.2)
    received = b""
    deadline = time.monotonic() + timeout
    while not predicate(received) and time.monotonic() < deadline:
        try:
            chunk = connection.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        received += chunk
    return received


class Rsyslog:
    """rsyslogd in the foreground: a loopback imtcp input forwarded to the relay by omrelp."""

    def __init__(self, test, relp_port, tls=False):
        self.rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        if not os.path.exists(self.rsyslogd):
            test.fail("rsyslogd is not installed; run scripts/install-deps.sh --tests")
        self.work = tempfile.mkdtemp(prefix="kinesyslog-rsyslog-relp-")
        test.addCleanup(shutil.rmtree, self.work, True)
        self.input_port = free_port()
        self.internal_log = os.path.join(self.work, "internal.log")
        tls_settings = ""
        if tls:
            tls_settings = (f'tls="on" tls.caCert="{PKI.ca_cert}" tls.myCert="{PKI.client_cert}" '
                            f'tls.myPrivKey="{PKI.client_key}" tls.authMode="name" tls.permittedPeer="{SERVER_CN}"')
        conf = os.path.join(self.work, "rsyslog.conf")
        with open(conf, "w") as out:
            out.write(omrelp_forwarding_config(self.work, self.input_port, relp_port, 200_000, tls_settings,
                                               self.internal_log))
        check = subprocess.run([self.rsyslogd, "-N1", "-f", conf], capture_output=True, timeout=30)
        test.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        self.output = open(os.path.join(self.work, "stdout.log"), "wb")
        self.process = subprocess.Popen([self.rsyslogd, "-n", "-f", conf, "-i", os.path.join(self.work, "pid")],
                                        stdout=self.output, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                test.fail(f"rsyslogd exited with {self.process.returncode}:\n{self.diagnostics()}")
            try:
                socket.create_connection(("127.0.0.1", self.input_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        test.fail(f"rsyslogd did not listen within 15 s:\n{self.diagnostics()}")

    def feed(self, run, count, start=0, per_second=None):
        """Sends messages `start`..`start+count-1` of `run` to rsyslog's input, paced when asked."""
        with socket.create_connection(("127.0.0.1", self.input_port), timeout=10) as plain:
            batch = 500
            began = time.monotonic()
            for first in range(start, start + count, batch):
                last = min(first + batch, start + count)
                plain.sendall("".join(f"<13>Nov 30 07:00:00 host app: relp-test {run} {i:06d}\n"
                                      for i in range(first, last)).encode())
                if per_second:
                    ahead = (last - start) / per_second - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.output.close()

    def diagnostics(self):
        text = ""
        for name in ("stdout.log", "internal.log"):
            path = os.path.join(self.work, name)
            if os.path.exists(path):
                with open(path, errors="replace") as log:
                    text += f"--- rsyslog {name}:\n{log.read()[-4000:]}"
        return text


class RelpTest(unittest.TestCase):
    def start_relay(self, *args, relp_port=None, tls=False, workdir=None, proxied=False, flush_age=1):
        self.relp_port = relp_port or free_port()
        if proxied:
            args += ("--proxy-protocol", str(self.relp_port))
        self.metrics_port = free_port()
        listen = ["--relp-tls-port" if tls else "--relp-port", str(self.relp_port)]
        if tls:
            listen += ["--cert", PKI.server_cert, "--key", PKI.server_key, "--client-ca", PKI.ca_cert]
        relay = Relay(*listen, "--prometheus-port", str(self.metrics_port), "--flush-age", str(flush_age), *args, udp=False,
                      workdir=workdir)
        self.addCleanup(relay.cleanup)
        relay.start()  # every listener is bound before the plain TCP port it waits for
        return relay

    def acked(self):
        return sample(scrape(self.metrics_port), "kinesyslog_relp_frames_acked_total", f'port="{self.relp_port}"')

    def marked(self, relay, run):
        """How often each message number of `run` was delivered."""
        counts = collections.Counter()
        for event in relay.delivered_events():
            match = MARK.search(event["message"])
            if match and match.group(1) == run:
                counts[int(match.group(2))] += 1
        return counts

    def wait_marked(self, relay, run, count, timeout=60):
        counts = collections.Counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.marked(relay, run)
            if len(counts) >= count:
                break
            time.sleep(0.5)
        return counts

    # --- the protocol from a plain socket ------------------------------------------------

    def test_open_is_answered_frames_are_acknowledged_and_close_ends_the_session(self):
        relay = self.start_relay()
        with socket.create_connection(("127.0.0.1", self.relp_port), timeout=10) as relp:
            relp.sendall(frame(1, b"open", b"relp_version=0\nrelp_software=test\ncommands=syslog"))
            answer = read_until(relp, lambda got: got.endswith(b"\n") and b"commands=syslog" in got)
            self.assertRegex(answer, rb"^1 rsp \d+ 200 OK\nrelp_version=0\nrelp_software=kinesyslog,[^\n]+\n"
                                     rb"commands=syslog\n$")
            self.assertEqual(sample(scrape(self.metrics_port), "kinesyslog_relp_sessions", f'port="{self.relp_port}"'), 1)
            relp.sendall(b"".join(frame(2 + i, b"syslog", b"<13>relp-test plain %06d" % i) for i in range(3))
                         + frame(5, b"close"))
            answers = read_until(relp, lambda got: got.count(b"\n") >= 4)
            self.assertEqual(answers, b"".join(frame(t, b"rsp", b"200 OK") for t in (2, 3, 4, 5)))
            self.assertEqual(read_until(relp, lambda got: False, timeout=5), b"", "closed after answering close")
        counts = self.wait_marked(relay, "plain", 3, timeout=30)
        self.assertEqual(counts, {0: 1, 1: 1, 2: 1}, relay.read_log())
        self.assertTrue(wait_until(lambda: sample(scrape(self.metrics_port), "kinesyslog_relp_sessions",
                                                  f'port="{self.relp_port}"') == 0, 5))
        self.assertEqual(self.acked(), 3)

    def test_sigterm_answers_what_was_received_then_sends_serverclose(self):
        relay = self.start_relay()
        with socket.create_connection(("127.0.0.1", self.relp_port), timeout=10) as relp:
            relp.sendall(frame(1, b"open", b"relp_version=0\ncommands=syslog"))
            read_until(relp, lambda got: b"commands=syslog" in got)
            relp.sendall(b"".join(frame(2 + i, b"syslog", b"<13>relp-test stop %06d" % i) for i in range(5)))
            self.assertEqual(read_until(relp, lambda got: got.count(b"\n") >= 5),
                             b"".join(frame(2 + i, b"rsp", b"200 OK") for i in range(5)))
            relp.sendall(frame(7, b"syslog", b"<13>relp-test stop 000005"))
            time.sleep(0.3)  # read and answered before the stop
            self.assertEqual(relay.stop(), 0, relay.read_log())
            rest = read_until(relp, lambda got: False, timeout=5)
            self.assertEqual(rest, frame(7, b"rsp", b"200 OK") + b"0 serverclose 0\n")
        self.assertEqual(sorted(self.marked(relay, "stop")), list(range(6)), relay.read_log())

    def test_without_the_journal_a_frame_is_acknowledged_only_once_its_batch_is_spooled(self):
        relay = self.start_relay("--journal-sync-ms", "0", flush_age=4)
        with socket.create_connection(("127.0.0.1", self.relp_port), timeout=10) as relp:
            relp.sendall(frame(1, b"open", b"relp_version=0\ncommands=syslog"))
            read_until(relp, lambda got: b"commands=syslog" in got)
            opened = time.monotonic()
            relp.sendall(frame(2, b"syslog", b"<13>relp-test spooled 000000"))
            # Held in an open batch (flush age 4 s) and nowhere else: no answer yet.
            self.assertEqual(read_until(relp, lambda got: False, timeout=1.5), b"")
            answer = read_until(relp, lambda got: got.endswith(b"\n"), timeout=20)
            self.assertEqual(answer, frame(2, b"rsp", b"200 OK"))
            self.assertGreaterEqual(time.monotonic() - opened, 3.5, "answered before the batch closed")
            spooled = [p for p in os.listdir(relay.spool_dir) if p.startswith("firehose_event-")]
            delivered = relay.output_objects()
            self.assertTrue(spooled or delivered, "answered, yet no record exists")
        self.assertFalse(os.path.exists(os.path.join(relay.spool_dir, "journal")))

    def test_a_proxy_header_names_the_source_of_a_relp_session(self):
        relay = self.start_relay(proxied=True)
        with socket.create_connection(("127.0.0.1", self.relp_port), timeout=10) as relp:
            relp.sendall(proxy_v1("203.0.113.9", "127.0.0.1", destination_port=self.relp_port)
                         + frame(1, b"open", b"relp_version=0\ncommands=syslog"))
            read_until(relp, lambda got: b"commands=syslog" in got)
            relp.sendall(frame(2, b"syslog", b"<13>relp-test proxied 000000") + frame(3, b"close"))
            self.assertEqual(read_until(relp, lambda got: got.count(b"\n") >= 2),
                             frame(2, b"rsp", b"200 OK") + frame(3, b"rsp", b"200 OK"))
        deadline = time.monotonic() + 30
        events = []
        while not events and time.monotonic() < deadline:
            events = [e for e in relay.delivered_events() if "relp-test proxied" in e["message"]]
            time.sleep(0.2)
        self.assertEqual(len(events), 1, relay.read_log())
        self.assertEqual(events[0]["logStream"], "203.0.113.9")
        self.assertEqual(events[0]["logGroup"], f"/kinesyslog/syslog/{self.relp_port}")

    def test_garbage_closes_the_connection_and_is_counted(self):
        relay = self.start_relay()
        with socket.create_connection(("127.0.0.1", self.relp_port), timeout=10) as relp:
            relp.sendall(b"<13>this is plain syslog, not RELP\n")
            self.assertEqual(read_until(relp, lambda got: False, timeout=5), b"")
        self.assertTrue(wait_until(lambda: dropped(self.metrics_port, "relp_protocol_error") == 1, 5),
                        relay.read_log())
        self.assertIn("closed the RELP session", relay.read_log())

    # --- rsyslog omrelp ------------------------------------------------------------------

    def test_rsyslog_forwards_10000_messages_exactly_once(self):
        count = 10_000
        relay = self.start_relay()
        rsyslog = Rsyslog(self, self.relp_port)
        began = time.monotonic()
        rsyslog.feed("bulk", count)
        self.assertTrue(wait_until(lambda: self.acked() >= count, 60),
                        f"{self.acked()} acknowledged\n{rsyslog.diagnostics()}{relay.read_log()}")
        elapsed = time.monotonic() - began
        print(f"\nRELP: {count} messages through rsyslog omrelp acknowledged in {elapsed:.2f} s "
              f"({count / elapsed:,.0f} msgs/s, one connection)")
        counts = self.wait_marked(relay, "bulk", count)
        self.assertEqual(len(counts), count, f"missing: {sorted(set(range(count)) - set(counts))[:10]}")
        self.assertEqual([n for n, seen in counts.items() if seen != 1], [], "delivered more than once")
        self.assertEqual(self.acked(), count)

    def test_rsyslog_forwards_over_tls_with_a_client_certificate(self):
        count = 2_000
        relay = self.start_relay(tls=True)
        rsyslog = Rsyslog(self, self.relp_port, tls=True)
        rsyslog.feed("tls", count)
        counts = self.wait_marked(relay, "tls", count)
        self.assertEqual(len(counts), count, rsyslog.diagnostics() + relay.read_log())
        self.assertEqual([n for n, seen in counts.items() if seen != 1], [], "delivered more than once")
        self.assertEqual(dropped(self.metrics_port, "tls_refused"), 0, relay.read_log())
        self.assertEqual(self.acked(), count)

    def test_sigterm_mid_stream_sends_serverclose_and_rsyslog_resends_to_the_restarted_relay(self):
        count = 20_000
        relay = self.start_relay()
        rsyslog = Rsyslog(self, self.relp_port)
        feeder = threading.Thread(target=rsyslog.feed, args=("restart", count), kwargs={"per_second": 5_000})
        feeder.start()
        self.assertTrue(wait_until(lambda: self.acked() >= 2_000, 30), rsyslog.diagnostics() + relay.read_log())
        self.assertEqual(relay.stop(), 0, relay.read_log())
        time.sleep(1)  # rsyslog finds the port closed and keeps the rest queued
        second = self.start_relay(relp_port=self.relp_port, workdir=relay.workdir)
        feeder.join(timeout=60)
        counts = self.wait_marked(second, "restart", count, timeout=90)
        missing = sorted(set(range(count)) - set(counts))
        duplicates = sum(seen - 1 for seen in counts.values())
        print(f"\nRELP restart: {count} sent, {len(counts)} delivered, {len(missing)} missing, "
              f"{duplicates} duplicates (resent after the restart)")
        self.assertEqual(missing, [], rsyslog.diagnostics() + second.read_log())
        # Only frames in flight when the relay stopped (at most rsyslog's window) may come twice.
        self.assertLessEqual(duplicates, 128)

    def test_two_sigkills_mid_stream_lose_nothing_rsyslog_saw_acknowledged(self):
        """The flush age stays at 60 s, so what the relay acknowledged before each SIGKILL exists
        only in its journal; the restarted relay recovers it before it listens again."""
        count = 100_000
        relay = self.start_relay(flush_age=60)
        rsyslog = Rsyslog(self, self.relp_port)
        feeder = threading.Thread(target=rsyslog.feed, args=("kill", count), kwargs={"per_second": 20_000})
        feeder.start()
        acked_before_kill = []
        for kill in (1, 2):
            earlier = sum(acked_before_kill)
            self.assertTrue(wait_until(lambda: earlier + self.acked() >= count * kill // 3, 60),
                            rsyslog.diagnostics() + relay.read_log())
            acked_before_kill.append(self.acked())
            relay.process.kill()
            relay.process.wait(timeout=10)
            relay = self.start_relay(relp_port=self.relp_port, workdir=relay.workdir, flush_age=60)
        feeder.join(timeout=60)
        self.assertFalse(feeder.is_alive(), "the feeder did not finish in 60 s")

        def quiet():  # everything rsyslog holds has been acknowledged: nothing moves for 3 s
            before = self.acked()
            time.sleep(3)
            return self.acked() == before
        self.assertTrue(wait_until(quiet, 120, interval=0), rsyslog.diagnostics())
        self.assertEqual(relay.stop(), 0, relay.read_log())
        # Each restart found the journal the killed relay left (the log holds all three runs).
        self.assertEqual(len(re.findall(r"journal recovery: \d+ events replayed", relay.read_log())), 2,
                         relay.read_log())
        counts = self.marked(relay, "kill")
        missing = sorted(set(range(count)) - set(counts))
        duplicates = sum(seen - 1 for seen in counts.values())
        print(f"\nRELP with two SIGKILLs: {count} sent, {len(counts)} delivered, {len(missing)} missing, "
              f"{duplicates} duplicates (frames rsyslog resent); acknowledged before each kill: {acked_before_kill}")
        self.assertEqual(missing[:20], [], rsyslog.diagnostics() + relay.read_log())
        # A resent frame is one the relay took in but had not acknowledged: at most a window per kill.
        self.assertLessEqual(duplicates, 2 * 128)


if __name__ == "__main__":
    unittest.main()
