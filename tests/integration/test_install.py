"""`kinesyslog install`: the unit and override file it writes, checked with systemd-analyze."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from relay_harness import BINARY, run_relay, tool


class Install(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kinesyslog-install-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.unit = os.path.join(self.dir, "kinesyslog.service")
        self.override = os.path.join(self.dir, "kinesyslog.service.d", "override.conf")

    def install(self, *args):
        return run_relay("install", "--system-dir", self.dir, *args)

    def read(self, path):
        with open(path) as file:
            return file.read()

    def test_writes_a_unit_that_systemd_accepts(self):
        result = self.install("--user", "root")
        self.assertEqual(result.returncode, 0, result.stderr)
        for path in (self.unit, self.override):
            self.assertIn(path.encode(), result.stdout)
        self.assertIn(b"systemctl daemon-reload", result.stdout)
        self.assertIn(b"systemctl enable --now kinesyslog", result.stdout)
        unit = self.read(self.unit)
        self.assertIn(f"\nExecStart={os.path.realpath(BINARY)} listen\n", unit)
        self.assertIn("\nType=notify\n", unit)
        self.assertIn("\nUser=root\n", self.read(self.override))
        # The drop-in beside the unit is read too when the directory is on the unit path.
        verified = subprocess.run([tool("systemd-analyze"), "verify", "kinesyslog.service"], capture_output=True,
                                  timeout=60, env=dict(os.environ, SYSTEMD_UNIT_PATH=self.dir + ":"))
        self.assertEqual(verified.returncode, 0, verified.stderr)
        self.assertNotIn(b"kinesyslog.service", verified.stderr, verified.stderr.decode())

    def test_override_lists_every_option_of_the_help(self):
        self.assertEqual(self.install().returncode, 0)
        variables = set(re.findall(rb"\[env: (KINESYSLOG_[A-Z_]+)\]", run_relay("listen", "--help").stdout))
        self.assertEqual(len(variables), 35)
        for added in (b"KINESYSLOG_RELP_PORT", b"KINESYSLOG_RELP_TLS_PORT", b"KINESYSLOG_JOURNAL_SYNC_MS",
                      b"KINESYSLOG_KINESIS_STREAM"):
            self.assertIn(added, variables)
        override = self.read(self.override)
        for variable in sorted(variables):
            self.assertIn(f'\n#Environment="{variable.decode()}=', override)
        self.assertIn("\n#User=\n", override)
        self.assertIn('\nEnvironment="no_proxy=169.254.169.254"\n', override)

    def test_a_second_run_keeps_an_edited_override(self):
        self.assertEqual(self.install().returncode, 0)
        with open(self.override, "w") as file:
            file.write("[Service]\nEnvironment=KINESYSLOG_STREAM=edited\n")
        result = self.install()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"kept", result.stdout)
        self.assertEqual(self.read(self.override), "[Service]\nEnvironment=KINESYSLOG_STREAM=edited\n")

    def test_a_missing_user_is_a_configuration_error_naming_it(self):
        result = self.install("--user", "no-such-user-kinesyslog")
        self.assertEqual(result.returncode, 78)
        self.assertIn(b"no-such-user-kinesyslog", result.stderr)
        self.assertFalse(os.path.exists(self.unit))


if __name__ == "__main__":
    unittest.main()
