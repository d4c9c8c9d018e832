"""One relay per spool directory and per port; the default spool and its refusals.

A second relay that shares a spool would deliver the first one's records to its own
destination; a second relay on the same port would silently take part of its traffic
(SO_REUSEPORT). Both must refuse to start with exit 78 and say why.
"""
import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

from relay_harness import BINARY, Relay, free_port

START_TIMEOUT = 15  # seconds a refused start may take at most


def run_second(args, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, timeout=START_TIMEOUT,
                          env=dict(os.environ, **(env or {})))


class OneRelayPerSpoolAndPort(unittest.TestCase):
    def setUp(self):
        self.first = Relay()
        self.addCleanup(self.first.cleanup)
        self.first.start()
        self.other = tempfile.mkdtemp(prefix="kinesyslog-it-")
        self.addCleanup(shutil.rmtree, self.other, True)
        os.makedirs(os.path.join(self.other, "spool"))

    def second_args(self, spool_dir, *ports):
        return ["listen", "--address", "127.0.0.1", "--tls-port", "0", "--delivery-interval", "1",
                "--output-dir", os.path.join(self.other, "output"), "--spool-dir", spool_dir, *ports]

    def assert_first_still_serves(self):
        self.assertIsNone(self.first.process.poll(), self.first.read_log())
        self.first.wait_listening()

    def test_second_relay_on_the_same_spool_exits_78_naming_directory_and_holder(self):
        result = run_second(self.second_args(self.first.spool_dir, "--tcp-port", str(free_port())))
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 78, stderr)
        self.assertIn(self.first.spool_dir, stderr)
        self.assertIn(f"pid {self.first.process.pid}", stderr)
        self.assert_first_still_serves()

    def test_second_relay_on_the_same_tcp_port_exits_78_naming_the_port(self):
        result = run_second(self.second_args(os.path.join(self.other, "spool"), "--tcp-port", str(self.first.port)))
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 78, stderr)
        self.assertIn(f"TCP 127.0.0.1:{self.first.port}", stderr)
        self.assertIn(f"pid {self.first.process.pid}", stderr)
        self.assert_first_still_serves()

    def test_second_relay_on_the_same_udp_port_exits_78_naming_the_port(self):
        result = run_second(self.second_args(os.path.join(self.other, "spool"), "--udp-port", str(self.first.port)))
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 78, stderr)
        self.assertIn(f"UDP 127.0.0.1:{self.first.port}", stderr)
        self.assertIn(f"pid {self.first.process.pid}", stderr)
        self.assert_first_still_serves()

    def test_second_relay_on_an_address_the_first_ones_wildcard_covers_exits_78(self):
        wildcard = Relay(address="0.0.0.0", udp=False)
        self.addCleanup(wildcard.cleanup)
        wildcard.start()
        result = run_second(self.second_args(os.path.join(self.other, "spool"), "--tcp-port", str(wildcard.port)))
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 78, stderr)
        self.assertIn(f"TCP 127.0.0.1:{wildcard.port}", stderr)
        self.assertIn(f"pid {wildcard.process.pid}", stderr)

    def test_the_spool_is_free_again_once_the_first_relay_stopped(self):
        self.assertEqual(self.first.stop(), 0, self.first.read_log())
        second = Relay(workdir=self.first.workdir)
        self.addCleanup(second.cleanup)
        second.start()
        self.assertEqual(second.stop(), 0, second.read_log())


class SpoolDirectoryRefusals(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kinesyslog-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.port = free_port()

    def listen(self, *args, env=None):
        return run_second(["listen", "--address", "127.0.0.1", "--tls-port", "0", "--tcp-port", str(self.port),
                           "--output-dir", os.path.join(self.tmp, "output"), *args], env=env)

    def test_world_writable_spool_without_sticky_bit_is_refused(self):
        spool = os.path.join(self.tmp, "open")
        os.makedirs(spool)
        os.chmod(spool, 0o777)
        result = self.listen("--spool-dir", spool)
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn(spool.encode(), result.stderr)
        self.assertIn(b"world-writable", result.stderr)

    def test_default_spool_is_the_private_state_directory(self):
        state = os.path.join(self.tmp, "state")
        relay = subprocess.Popen([BINARY, "listen", "--address", "127.0.0.1", "--tls-port", "0",
                                  "--tcp-port", str(self.port), "--output-dir", os.path.join(self.tmp, "output")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env=dict(os.environ, STATE_DIRECTORY=f"{state}:{self.tmp}/second"))
        try:
            for _ in range(150):  # 15 s at most
                if os.path.exists(os.path.join(state, ".lock")) or relay.poll() is not None:
                    break
                time.sleep(0.1)
            self.assertIsNone(relay.poll(), relay.stderr.read() if relay.poll() is not None else b"")
            self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o700)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "second")))
        finally:
            relay.terminate()
            relay.wait(timeout=START_TIMEOUT)
            relay.stderr.close()


if __name__ == "__main__":
    unittest.main()
