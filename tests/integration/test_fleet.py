"""Several relays behind a load balancer: haproxy runs examples/haproxy.cfg in front of three
relays (each on its own loopback address, with its own spool, all delivering to the same
stream of the Firehose stand-in) and sends every connection to one of them with a PROXY v2
header; its health checks (PROXY v2 LOCAL headers on the relays' own ports) take a stopped
relay out and bring it back, and are never counted as bad headers.

Twenty senders, each an omrelp action of one rsyslogd bound to its own source address
(127.0.1.1 ... 127.0.1.20), forward 50,000 unique messages over RELP while the relays are
restarted one at a time (SIGTERM, wait for the exit and for haproxy to take it out, start it
again on the same ports and spool, wait until haproxy has it back, then the next). RELP makes
that lossless: a relay answers a frame only once it is journaled, and on SIGTERM it answers
what is durable and sends `serverclose`; omrelp resends every frame it saw no answer for on its
next connection, which haproxy gives to another relay. A frame a stopping relay had read but
not answered would be delivered twice, so duplicates are counted and printed (bounded by
omrelp's window, 128 frames, per sender and restart); a missing message fails the test. Every
message must carry its own sender's address as logStream, never haproxy's.

The same restart with plain TCP senders shows the difference: a connection a stopping relay
closes loses what its sender wrote after the relay's last read (printed), and only that; a
connection no relay closed (its sender shut down its side first) loses nothing.

rsyslog runs in the foreground with its own configuration and work directory, without
imuxsock/imklog. Every wait is bounded; the figures are printed, never asserted.
"""
import collections
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from fleet_tcp_senders import SENDERS, HalfClosingEnd, TcpSenders, far_end_closed, keep_pace
from relay_harness import BINARY, aws_test_env, dump_events, tool
from relay_probes import sample, scrape, wait_until
from test_firehose import STREAM, Endpoint

HERE = os.path.dirname(os.path.abspath(__file__))
HAPROXY_CONFIG = os.path.join(HERE, "..", "..", "examples", "haproxy.cfg")
RELAY_ADDRESSES = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
HAPROXY_PEERS = "127.0.0.0/24"  # haproxy's own address towards the relays (the kernel picks 127.0.0.1)
TOTAL = 50_000
PER_SENDER = TOTAL // len(SENDERS)
RELP_WINDOW = 128  # omrelp's default windowSize: frames a sender keeps unanswered


def port_free_on_all(hosts):
    """A TCP port nothing listens on at any of `hosts` (the relays use the same ports, as a
    fleet on separate hosts does)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
            try:
                for host in hosts[1:]:
                    with socket.socket() as other:
                        other.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free on every address")


class FleetRelay:
    """One relay of the fleet on its own loopback address: TCP and RELP ports that require a
    PROXY header from haproxy only, /metrics, its own spool, Firehose delivery to STREAM."""

    def __init__(self, workdir, name, address, ports, endpoint_port):
        self.name, self.address, self.ports = name, address, ports
        self.workdir = os.path.join(workdir, name)
        self.spool_dir = os.path.join(self.workdir, "spool")
        os.makedirs(self.spool_dir)
        url = f"http://127.0.0.1:{endpoint_port}"
        self.args = [BINARY, "listen", "--stream", STREAM, "--region", "us-east-1", "--endpoint-url", url,
                     "--address", address, "--tls-port", "0", "--tcp-port", str(ports["tcp"]),
                     "--relp-port", str(ports["relp"]), "--proxy-protocol", str(ports["tcp"]),
                     "--proxy-protocol", str(ports["relp"]), "--proxy-from", HAPROXY_PEERS,
                     "--prometheus-port", str(ports["metrics"]), "--spool-dir", self.spool_dir,
                     "--delivery-interval", "1", "--flush-age", "1"]
        self.env = aws_test_env(AWS_ENDPOINT_URL_STS=url)
        self.log_path = os.path.join(self.workdir, "relay.log")
        self.process = None
        self.log = None

    def start(self, timeout=15):
        """Starts it and waits until /metrics answers (the listeners are bound before it)."""
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)

        def serving():
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.read_log()}")
            with contextlib.suppress(OSError):
                return scrape(self.ports["metrics"], host=self.address, timeout=1) != ""
            return False
        if not wait_until(serving, timeout, 0.05):
            raise AssertionError(f"{self.name} did not serve /metrics within {timeout} s:\n{self.read_log()}")

    def stop(self, timeout=20):
        """SIGTERM and wait for the exit; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout} s of SIGTERM:\n{self.read_log()}")
        self.log.close()
        return code

    def metric(self, name, labels=""):
        return sample(scrape(self.ports["metrics"], host=self.address), name, labels)

    def read_log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")


class FleetHaproxy:
    """haproxy -db running examples/haproxy.cfg, its placeholders filled from the environment."""

    def __init__(self, workdir, relay_ports):
        self.ports = {"tcp": port_free_on_all(["127.0.0.1"]), "relp": port_free_on_all(["127.0.0.1"])}
        self.stats_socket = os.path.join(workdir, "haproxy.sock")
        self.env = dict(os.environ, LB_ADDRESS="127.0.0.1", LB_TCP_PORT=str(self.ports["tcp"]),
                        LB_RELP_PORT=str(self.ports["relp"]), RELAY_TCP_PORT=str(relay_ports["tcp"]),
                        RELAY_RELP_PORT=str(relay_ports["relp"]), HAPROXY_STATS_SOCKET=self.stats_socket,
                        **{f"RELAY{n}": address for n, address in enumerate(RELAY_ADDRESSES, 1)})
        self.log_path = os.path.join(workdir, "haproxy.log")
        self.process = None

    def start(self):
        checked = subprocess.run([tool("haproxy"), "-c", "-f", HAPROXY_CONFIG], capture_output=True, timeout=30,
                                 env=self.env)
        if checked.returncode != 0:
            raise AssertionError(f"haproxy refused the example:\n{checked.stdout.decode()}{checked.stderr.decode()}")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([tool("haproxy"), "-db", "-f", HAPROXY_CONFIG], stdout=self.log,
                                        stderr=subprocess.STDOUT, env=self.env)
        if not wait_until(lambda: self.process.poll() is None and os.path.exists(self.stats_socket), 15, 0.05):
            raise AssertionError(f"haproxy did not start:\n{self.read_log()}")

    def command(self, text):
        with socket.socket(socket.AF_UNIX) as admin:
            admin.settimeout(5)
            admin.connect(self.stats_socket)
            admin.sendall(text.encode() + b"\n")
            answer = b""
            while chunk := admin.recv(65536):
                answer += chunk
        return answer.decode()

    def states(self, server):
        """`server`'s operational state in each backend (0 stopped, 2 running)."""
        states = []
        for line in self.command("show servers state").splitlines():
            fields = line.split()
            if len(fields) > 5 and not line.startswith("#") and fields[3] == server:
                states.append(fields[5])
        return states

    def up(self, server):
        return self.states(server) == ["2", "2"]

    def down(self, server):
        return self.states(server) == ["0", "0"]

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


def senders_config(work, input_ports, relp_port, internal_log):
    """One rsyslogd, one sender per source address: a loopback imtcp input per sender, bound to
    a ruleset whose omrelp action connects from that address (localClientIp) to haproxy.
    Batches of at most omrelp's window (see relay_probes.omrelp_forwarding_config)."""
    lines = [f'global(workDirectory="{work}")', 'module(load="imtcp")', 'module(load="omrelp")']
    for index, (source, port) in enumerate(zip(SENDERS, input_ports), 1):
        lines += [
            f'input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="sender{index:02d}")',
            f'ruleset(name="sender{index:02d}" queue.type="LinkedList" queue.size="{2 * PER_SENDER}" '
            f'queue.dequeueBatchSize="{RELP_WINDOW}") {{',
            f'  action(type="omrelp" target="127.0.0.1" port="{relp_port}" localClientIp="{source}" '
            f'template="RSYSLOG_ForwardFormat" action.resumeInterval="1" action.resumeRetryCount="-1")',
            "}"]
    lines.append(f'*.* action(type="omfile" file="{internal_log}")')
    return "\n".join(lines) + "\n"


class Senders:
    """rsyslogd in the foreground with the twenty senders; `feed` writes their messages."""

    def __init__(self, workdir, relp_port):
        self.rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        if not os.path.exists(self.rsyslogd):
            raise AssertionError("rsyslogd is not installed; run scripts/install-deps.sh --tests")
        self.work = os.path.join(workdir, "rsyslog")
        os.makedirs(self.work)
        self.input_ports = [port_free_on_all(["127.0.0.1"]) for _ in SENDERS]
        self.internal_log = os.path.join(self.work, "internal.log")
        self.conf = os.path.join(self.work, "rsyslog.conf")
        with open(self.conf, "w") as out:
            out.write(senders_config(self.work, self.input_ports, relp_port, self.internal_log))
        self.process = None

    def start(self):
        check = subprocess.run([self.rsyslogd, "-N1", "-f", self.conf], capture_output=True, timeout=30)
        if check.returncode != 0:
            raise AssertionError(check.stdout.decode() + check.stderr.decode())
        self.output = open(os.path.join(self.work, "stdout.log"), "wb")
        self.process = subprocess.Popen([self.rsyslogd, "-n", "-f", self.conf, "-i", os.path.join(self.work, "pid")],
                                        stdout=self.output, stderr=subprocess.STDOUT)

        def listening():
            if self.process.poll() is not None:
                raise AssertionError(f"rsyslogd exited with {self.process.returncode}:\n{self.diagnostics()}")
            for port in self.input_ports:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except OSError:
                    return False
            return True
        if not wait_until(listening, 15):
            raise AssertionError(f"rsyslogd did not listen within 15 s:\n{self.diagnostics()}")

    def feed(self, per_second, deadline, progress):
        """Sends every sender's PER_SENDER messages, round by round across the senders, at about
        `per_second` in all; `progress(sent)` is called before each round (it may wait).
        Returns when all is written; raises past `deadline`."""
        connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for port in self.input_ports]
        try:
            chunk, sent, began = 25, 0, time.monotonic()
            for first in range(0, PER_SENDER, chunk):
                progress(sent)
                numbers = range(first, min(first + chunk, PER_SENDER))
                for index, connection in enumerate(connections, 1):
                    connection.sendall("".join(f"<13>Nov 30 07:00:00 host app: fleet-test s{index:02d} {n:06d}\n"
                                               for n in numbers).encode())
                sent += len(numbers) * len(connections)
                keep_pace(sent, per_second, began, deadline)
        finally:
            for connection in connections:
                connection.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if getattr(self, "output", None):
            self.output.close()

    def diagnostics(self):
        text = ""
        for name in ("stdout.log", "internal.log"):
            path = os.path.join(self.work, name)
            if os.path.exists(path):
                with open(path, errors="replace") as log:
                    text += f"--- rsyslog {name}:\n{log.read()[-4000:]}"
        return text


class Delivered:
    """What the stand-in's objects hold so far, read incrementally (an object never changes once
    it has its final name): how often each (sender, number) of `tag` came, and the events whose
    logStream is not their sender's address."""

    def __init__(self, endpoint, tag):
        self.endpoint = endpoint
        self.mark = re.compile(tag + r" s(\d\d) (\d{6})")
        self.read = set()
        self.counts = collections.Counter()
        self.misattributed = []
        self.foreign = 0

    def update(self):
        new = [path for path in self.endpoint.objects() if path not in self.read]
        for event in dump_events(new):
            match = self.mark.search(event["message"])
            if not match:
                self.foreign += 1
                continue
            sender, number = int(match.group(1)), int(match.group(2))
            self.counts[(sender, number)] += 1
            if event["logStream"] != SENDERS[sender - 1]:
                self.misattributed.append((event["logStream"], event["message"]))
        self.read.update(new)
        return len(self.counts)

    def duplicates(self):
        return sum(seen - 1 for seen in self.counts.values())


class SenderAccounting(unittest.TestCase):
    """TcpSenders' own accounting, without relays: which connections it calls complete."""

    def test_a_connection_whose_far_end_closed_first_is_not_complete(self):
        far_end = HalfClosingEnd()
        self.addCleanup(far_end.stop)
        senders = TcpSenders(far_end.port, len(SENDERS) * 100)

        odd = SENDERS[::2]

        def progress(sent):
            if sent == len(SENDERS) * 50:  # half of it sent and read: then the odd senders' relay goes
                wait_until(lambda: len(far_end.kept) >= sent, 10, 0.01)
                far_end.half_close(odd)
                closing = [connection for connection, source in zip(senders.connections, SENDERS) if source in odd]
                wait_until(lambda: all(far_end_closed(connection) for connection in closing), 10, 0.01)
        senders.feed(1_000_000, time.monotonic() + 30, progress)
        complete, cut = senders.close()
        for sender, first, end in complete:
            lost = [n for n in range(first, end) if (sender, n) not in far_end.kept]
            self.assertEqual(lost, [], f"a connection counted complete lost messages: {(sender, first, end)}")
        # Every write succeeded, yet the odd senders' connections were cut (their second half lost).
        self.assertEqual(sorted(sender for sender, *_ in cut), list(range(1, len(SENDERS) + 1, 2)))
        self.assertEqual(len(complete), len(SENDERS) // 2)
        self.assertEqual(senders.closed_unnoticed, len(SENDERS) // 2)


class FleetBehindHaproxy(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-fleet-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.endpoint = Endpoint(self.workdir)
        self.addCleanup(self.endpoint.stop)
        ports = {kind: port_free_on_all(RELAY_ADDRESSES) for kind in ("tcp", "relp", "metrics")}
        self.relays = [FleetRelay(self.workdir, f"relay{n}", address, ports, self.endpoint.port)
                       for n, address in enumerate(RELAY_ADDRESSES, 1)]
        for relay in self.relays:
            self.addCleanup(relay.stop)
            relay.start()
        self.haproxy = FleetHaproxy(self.workdir, ports)
        self.addCleanup(self.haproxy.stop)
        self.haproxy.start()
        self.wait_up_in_haproxy(self.relays)
        self.senders = None

    def wait_up_in_haproxy(self, relays, timeout=15):
        names = [relay.name for relay in relays]
        if not wait_until(lambda: all(self.haproxy.up(name) for name in names), timeout):
            self.fail(f"haproxy does not see {names} up within {timeout} s:\n{self.haproxy.read_log()}")

    def diagnostics(self):
        text = self.senders.diagnostics() if hasattr(self.senders, "diagnostics") else ""
        text += f"--- haproxy:\n{self.haproxy.read_log()[-3000:]}"
        for relay in self.relays:
            text += f"--- {relay.name}:\n{relay.read_log()[-3000:]}"
        return text

    def feed_through_a_rolling_restart(self, feed, total, session_metric):
        """Runs `feed(per_second, deadline, progress)` on a thread while the relays restart one
        at a time: a tenth of `total` goes before the first SIGTERM, the last fifth only once
        every relay is back, so every restart happens while the senders send, however slow the
        machine. Returns the seconds the feed took and one tuple of figures per restart."""
        first_tenth_sent, restarts_done = threading.Event(), threading.Event()
        began = time.monotonic()
        feed_failure = []

        def progress(sent):
            if sent >= total // 10:
                first_tenth_sent.set()
            if sent >= total * 4 // 5 and not restarts_done.wait(max(0.0, began + 60 - time.monotonic())):
                raise AssertionError("the restarts did not end within 60 s")

        def run_feed():
            try:
                feed(2_500, began + 60, progress)
            except Exception as error:  # reported by the main thread
                feed_failure.append(error)
            finally:
                first_tenth_sent.set()
        feeder = threading.Thread(target=run_feed, daemon=True)
        feeder.start()

        restarts = []
        first_tenth_sent.wait(30)
        for relay in self.relays:
            connections = relay.metric(*session_metric(relay))
            stopping = time.monotonic()
            self.assertEqual(relay.stop(), 0, self.diagnostics())
            stopped = time.monotonic()
            # The health checks find it gone (haproxy meanwhile retries refused connections on
            # the other relays), then find it back.
            if not wait_until(lambda: self.haproxy.down(relay.name), 15):
                self.fail(f"haproxy still sees {relay.name} up 15 s after it stopped:\n{self.haproxy.read_log()}")
            out = time.monotonic()
            relay.start()
            started = time.monotonic()
            self.wait_up_in_haproxy([relay])
            restarts.append((relay.name, connections, stopped - stopping, out - stopped, started - out,
                             time.monotonic() - started))
        restarts_done.set()
        feeder.join(timeout=70)
        self.assertFalse(feeder.is_alive(), "the feed did not finish")
        self.assertEqual(feed_failure, [])
        # Every restart cut connections that were carrying messages (leastconn spreads them).
        self.assertTrue(all(connections > 0 for _, connections, *_ in restarts), restarts)
        return time.monotonic() - began, restarts

    @staticmethod
    def print_restarts(restarts, what):
        for name, connections, stop, out, start, back in restarts:
            print(f"  {name} ({connections:.0f} {what}): SIGTERM to exit {stop:.2f} s, out of haproxy "
                  f"{out:.2f} s later; start to /metrics {start:.2f} s, back in haproxy {back:.2f} s later")

    def assert_no_errors_counted(self):
        """haproxy's health checks (a PROXY v2 LOCAL header, then a reset) are no errors: not
        counted in the relays' last runs, not logged in any run."""
        for relay in self.relays:
            self.assertEqual(relay.metric("kinesyslog_dropped_messages_total", 'reason="bad_proxy_header"'), 0)
            self.assertEqual(relay.metric("kinesyslog_dropped_messages_total", 'reason="relp_protocol_error"'), 0)
        for relay in self.relays:
            self.assertEqual(relay.stop(), 0)
            log = relay.read_log()
            self.assertNotIn("closed the connection from", log)
            self.assertNotIn("closed the RELP session", log)
            self.assertEqual(len(re.findall(r"SIGTERM", log)), 2, log)  # the rolling restart's, and this one

    def test_a_rolling_restart_under_relp_load_loses_nothing_and_keeps_each_sender(self):
        self.senders = Senders(self.workdir, self.haproxy.ports["relp"])
        self.addCleanup(self.senders.stop)
        self.senders.start()
        fed, restarts = self.feed_through_a_rolling_restart(
            self.senders.feed, TOTAL, lambda relay: ("kinesyslog_relp_sessions", f'port="{relay.ports["relp"]}"'))

        began = time.monotonic() - fed
        delivered = Delivered(self.endpoint, "fleet-test")
        wait_until(lambda: delivered.update() >= TOTAL, 60, 1.0)
        finished = time.monotonic()
        missing = [(s, n) for s in range(1, len(SENDERS) + 1) for n in range(PER_SENDER)
                   if (s, n) not in delivered.counts]
        print(f"\nfleet over RELP: {TOTAL:,} messages from {len(SENDERS)} senders through haproxy to "
              f"{len(self.relays)} relays: fed in {fed:.1f} s, all delivered after {finished - began:.1f} s "
              f"({TOTAL / (finished - began):,.0f} msgs/s end to end); {len(missing)} missing, "
              f"{delivered.duplicates()} duplicates (frames a stopped relay had journaled but not answered)")
        self.print_restarts(restarts, "RELP sessions")

        self.assertEqual(missing[:20], [], self.diagnostics())
        self.assertEqual(delivered.misattributed[:10], [])
        self.assertEqual(delivered.foreign, 0)
        # Each restart can make each sender resend at most one window.
        self.assertLessEqual(delivered.duplicates(), len(self.relays) * len(SENDERS) * RELP_WINDOW)
        self.assert_no_errors_counted()

    def test_plain_tcp_loses_the_tail_of_each_connection_a_restart_cuts(self):
        """The same restart with plain TCP senders, to show what RELP buys: a message is lost
        only at the end of a connection a stopping relay closed (what the sender wrote after the
        relay's last read); everything before it, and everything on connections never cut,
        arrives once, with its sender's address."""
        total = 20_000
        self.senders = TcpSenders(self.haproxy.ports["tcp"], total)
        fed, restarts = self.feed_through_a_rolling_restart(
            self.senders.feed, total, lambda relay: ("kinesyslog_connections", f'port="{relay.ports["tcp"]}"'))
        complete, cut = self.senders.close()

        delivered = Delivered(self.endpoint, "fleet-tcp")
        expected = sum(end - first for _, first, end in complete)

        def from_complete():
            return sum(1 for sender, first, end in complete for n in range(first, end)
                       if (sender, n) in delivered.counts)

        def settled():  # everything of the complete connections, and nothing new for 2 s
            before = delivered.update()
            time.sleep(2)
            return from_complete() >= expected and delivered.update() == before
        wait_until(settled, 60, 0)
        lost, tails = 0, []
        for sender, first, end in cut:
            arrived = [n for n in range(first, end) if (sender, n) in delivered.counts]
            # A prefix: the relay read the connection in order up to some point, then closed it.
            self.assertEqual(arrived, list(range(first, first + len(arrived))), (sender, first, end))
            lost += end - first - len(arrived)
            tails.append(end - first - len(arrived))
        print(f"\nfleet over plain TCP: {total:,} messages from {len(SENDERS)} senders, fed in {fed:.1f} s; "
              f"{len(cut)} connections cut by the restarts lost {lost} messages "
              f"(per cut connection: {sorted(tails)}; {self.senders.closed_unnoticed} of them took every write, "
              f"closed as they were); {delivered.duplicates()} duplicates")
        self.print_restarts(restarts, "connections")

        print(f"connections never cut: {from_complete()} of {expected} delivered")
        short = []  # complete connections that lost something: sender, span, first and last that arrived
        for sender, first, end in complete:
            arrived = [n for n in range(first, end) if (sender, n) in delivered.counts]
            if len(arrived) != end - first:
                short.append((sender, first, end, arrived[:1] + arrived[-1:], len(arrived)))
        self.assertEqual(short, [], f"connections never cut lost messages\n{self.diagnostics()}")
        self.assertEqual(delivered.duplicates(), 0)
        self.assertEqual(delivered.misattributed[:10], [])
        self.assertEqual(delivered.foreign, 0)
        self.assert_no_errors_counted()


if __name__ == "__main__":
    unittest.main(verbosity=2)
