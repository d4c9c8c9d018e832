"""RELP's promise under SIGKILL: rsyslog (omrelp) forwards 100,000 numbered messages to the
relay, which is killed twice mid-stream and restarted on the same port and spool. Every
message must be delivered; a duplicate can only be a frame rsyslog sent again because the
relay died before acknowledging it, so duplicates are counted and bounded by rsyslog's
window (128 frames) per kill, never by what the relay had acknowledged."""
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

from relay_harness import BINARY, dump_events, free_port
from relay_probes import sample, scrape, wait_until

MESSAGES = 100_000
KILLS = 2
WINDOW = 128  # omrelp's default window: frames it may have sent without an answer


def syslog_line(number):
    return f"<13>1 2026-03-01T09:05:07.123Z host app - - - relp-durability {number:06d}"


class RsyslogForwarder:
    """rsyslogd in the foreground: a plain TCP input on loopback whose messages go out over
    omrelp to `relp_port`, with an in-memory queue large enough for the whole test and retries
    forever, so a dead relay only delays them. No imuxsock/imklog: the system's logs stay untouched."""

    def __init__(self, relp_port):
        self.work = tempfile.mkdtemp(prefix="kinesyslog-omrelp-")
        self.input_port = free_port()
        conf = os.path.join(self.work, "rsyslog.conf")
        with open(conf, "w") as out:
            out.write(f"""
global(workDirectory="{self.work}")
main_queue(queue.size="{2 * MESSAGES}")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="{self.input_port}" ruleset="forward")
ruleset(name="forward" queue.type="LinkedList" queue.size="{2 * MESSAGES}") {{
  action(type="omrelp" target="127.0.0.1" port="{relp_port}" template="RSYSLOG_SyslogProtocol23Format"
         action.resumeInterval="1" action.resumeRetryCount="-1")
}}
""")
        rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        check = subprocess.run([rsyslogd, "-N1", "-f", conf], capture_output=True, timeout=30)
        if check.returncode != 0:
            raise AssertionError(check.stdout.decode() + check.stderr.decode())
        self.output = open(os.path.join(self.work, "stdout.log"), "wb")
        self.process = subprocess.Popen([rsyslogd, "-n", "-f", conf, "-i", os.path.join(self.work, "rsyslogd.pid")],
                                        stdout=self.output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.input_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("rsyslogd did not listen within 15 s:\n" + self.diagnostics())

    def diagnostics(self):
        with open(os.path.join(self.work, "stdout.log"), errors="replace") as log:
            return log.read()[-3000:]

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.output.close()
        shutil.rmtree(self.work, ignore_errors=True)


class RelpRelay:
    """The relay on a fixed RELP port and spool, started again after each kill."""

    def __init__(self, workdir, relp_port, metrics_port):
        self.output_dir = os.path.join(workdir, "output")
        self.spool_dir = os.path.join(workdir, "spool")
        os.makedirs(self.output_dir, exist_ok=True)
        os.makedirs(self.spool_dir, exist_ok=True)
        self.relp_port, self.metrics_port = relp_port, metrics_port
        self.log_path = os.path.join(workdir, "relay.log")
        self.process = None

    def start(self):
        args = [BINARY, "listen", "--address", "127.0.0.1", "--tcp-port", "0", "--udp-port", "0", "--tls-port", "0",
                "--relp-port", str(self.relp_port), "--prometheus-port", str(self.metrics_port),
                "--output-dir", self.output_dir, "--spool-dir", self.spool_dir, "--delivery-interval", "1"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30  # recovery of the journal happens before the port opens
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"relay exited with {self.process.returncode}:\n{self.read_log()}")
            try:
                socket.create_connection(("127.0.0.1", self.relp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("relay did not listen:\n" + self.read_log())

    def acked(self):
        try:
            return sample(scrape(self.metrics_port, timeout=1), "kinesyslog_relp_frames_acked_total",
                          f'port="{self.relp_port}"')
        except OSError:
            return 0.0

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=30)
        return None

    def read_log(self):
        with open(self.log_path, errors="replace") as log:
            return log.read()

    def delivered_numbers(self):
        objects = [os.path.join(d, f) for d, _, fs in os.walk(self.output_dir) for f in fs]
        numbers = []
        for event in dump_events(objects):
            found = re.search(r"relp-durability (\d{6})", event["message"])
            if found:
                numbers.append(int(found.group(1)))
        return numbers


class RelpSurvivesSigkill(unittest.TestCase):
    def test_omrelp_stream_survives_two_sigkills_with_nothing_lost(self):
        workdir = tempfile.mkdtemp(prefix="kinesyslog-relp-kill-")
        self.addCleanup(shutil.rmtree, workdir, True)
        relay = RelpRelay(workdir, free_port(), free_port())
        relay.start()
        self.addCleanup(relay.stop)
        rsyslog = RsyslogForwarder(relay.relp_port)
        self.addCleanup(rsyslog.close)

        # The sender feeds rsyslog at ~20,000 msgs/s, bounded in time; rsyslog queues in memory
        # what the relay has not acknowledged, so the kills below land mid-stream.
        def feed():
            with socket.create_connection(("127.0.0.1", rsyslog.input_port), timeout=30) as connection:
                for start in range(0, MESSAGES, 2000):
                    connection.sendall("".join(syslog_line(n) + "\n" for n in range(start, start + 2000)).encode())
                    time.sleep(0.1)
        sender = threading.Thread(target=feed, daemon=True)
        sender.start()

        acked_before_kills = []
        for kill in range(KILLS):
            # Kill once this instance has acknowledged a share of the stream.
            wait_until(lambda: relay.acked() >= MESSAGES // (KILLS + 2), timeout=60)
            acked_before_kills.append(relay.acked())
            relay.kill()
            time.sleep(0.5)
            relay.start()
        sender.join(timeout=60)
        self.assertFalse(sender.is_alive(), "the sender did not finish within 60 s")

        # Done when every number arrived in the journal (acked) and nothing moved for 3 s.
        def settled():
            before = relay.acked()
            time.sleep(3)
            return relay.acked() == before and before > 0
        wait_until(settled, timeout=120, interval=0)
        self.assertEqual(relay.stop(), 0, relay.read_log()[-3000:])

        numbers = relay.delivered_numbers()
        distinct = set(numbers)
        missing = sorted(set(range(MESSAGES)) - distinct)
        duplicates = len(numbers) - len(distinct)
        print(f"\nRELP with {KILLS} SIGKILLs: {len(distinct)} of {MESSAGES} delivered, {len(missing)} missing, "
              f"{duplicates} duplicates (resent by rsyslog); acked before the kills: {acked_before_kills}", flush=True)
        self.assertEqual(missing[:20], [], relay.read_log()[-3000:] + rsyslog.diagnostics())
        self.assertLessEqual(duplicates, KILLS * WINDOW, "more duplicates than rsyslog can have resent")
        self.assertIn("recovered", relay.read_log())


if __name__ == "__main__":
    unittest.main()
