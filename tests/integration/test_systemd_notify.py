"""systemd's notify protocol with the real relay: READY=1 once it listens, WATCHDOG=1 at half
of WATCHDOG_USEC, STOPPING=1 on SIGTERM, on a datagram socket standing in for systemd."""
import os
import shutil
import socket
import tempfile
import time
import unittest

from relay_harness import Relay


class NotifySocket:
    """An AF_UNIX datagram socket like systemd's NOTIFY_SOCKET, read with bounded waits."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kinesyslog-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)

    def receive(self, timeout):
        """Every notification received within `timeout` seconds, as lists of assignments."""
        messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                messages.append(self.socket.recv(4096).decode().split("\n"))
            except socket.timeout:
                break
        return messages

    def wait_for(self, assignment, timeout=15):
        """The first notification holding `assignment`, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                message = self.socket.recv(4096).decode().split("\n")
            except socket.timeout:
                return None
            if assignment in message:
                return message
        return None

    def close(self):
        self.socket.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class SystemdNotify(unittest.TestCase):
    def start(self, **env):
        self.notify = NotifySocket()
        self.addCleanup(self.notify.close)
        relay = Relay(env={"NOTIFY_SOCKET": self.notify.path, **env})
        self.addCleanup(relay.cleanup)
        relay.start(wait_tcp=False)
        return relay

    def test_ready_is_sent_once_the_listeners_are_bound(self):
        relay = self.start()
        ready = self.notify.wait_for("READY=1")
        self.assertIsNotNone(ready, relay.read_log())
        self.assertTrue(any(line.startswith("STATUS=") and "listening" in line for line in ready), ready)
        # Ready means bound: a connection succeeds at once, with no retry.
        socket.create_connection(("127.0.0.1", relay.port), timeout=5).close()
        self.assertEqual(relay.stop(), 0)
        self.assertIsNotNone(self.notify.wait_for("STOPPING=1", timeout=5))

    def test_watchdog_is_pinged_at_half_its_interval(self):
        self.start(WATCHDOG_USEC="400000")
        self.assertIsNotNone(self.notify.wait_for("READY=1"))
        pings = [m for m in self.notify.receive(1.5) if "WATCHDOG=1" in m]
        # 200 ms apart: about 7 in 1.5 s; at least 4 leaves room for a busy machine.
        self.assertGreaterEqual(len(pings), 4)
        self.assertLessEqual(len(pings), 9)

    def test_no_watchdog_pings_unless_systemd_asks(self):
        self.start()
        self.assertIsNotNone(self.notify.wait_for("READY=1"))
        self.assertEqual([m for m in self.notify.receive(1.0) if "WATCHDOG=1" in m], [])


if __name__ == "__main__":
    unittest.main()
