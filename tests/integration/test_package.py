"""The Debian package: scripts/package.sh builds it (lintian finds no error), apt installs it,
systemd-analyze accepts its unit, the installed program runs, and a purge leaves nothing of it
but a spool that still holds undelivered records. Needs root (apt, adduser); the machine is left
as it was found, also when a check fails."""
import glob
import os
import pwd
import grp
import re
import shutil
import subprocess
import unittest

from relay_harness import tool

SOURCE_DIR = os.environ.get("KINESYSLOG_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SPOOL = "/var/lib/kinesyslog"
UNIT = "/usr/lib/systemd/system/kinesyslog.service"
DEFAULTS = "/etc/default/kinesyslog"
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def run(*command, timeout=120, env=None):
    return subprocess.run(list(command), capture_output=True, text=True, timeout=timeout, env=env)


def installed():
    status = run("dpkg-query", "-W", "-f=${Status}", "kinesyslog")
    return status.returncode == 0 and "installed" in status.stdout.split()


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


@unittest.skipUnless(os.geteuid() == 0, "installs a package: needs root")
class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if installed() or os.path.exists(DEFAULTS) or os.path.exists(SPOOL):
            raise unittest.SkipTest("kinesyslog is installed here, or its files exist: not touching them")
        cls.had_user = user_exists("kinesyslog")
        cls.had_group = group_exists("kinesyslog")
        dist = os.path.join(SOURCE_DIR, "dist")
        had_dist = os.path.exists(dist)
        if not had_dist:
            cls.addClassCleanup(shutil.rmtree, dist, True)
        built = run(os.path.join(SOURCE_DIR, "scripts", "package.sh"), timeout=1800)
        print(built.stdout[-3000:])
        if built.returncode != 0:
            raise AssertionError(f"scripts/package.sh failed:\n{built.stdout[-6000:]}\n{built.stderr[-6000:]}")
        with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as cmake:
            cls.version = re.search(r"^project\(kinesyslog VERSION ([0-9.]+)", cmake.read(), re.M).group(1)
        cls.package_version = run("dpkg-parsechangelog", "-l", os.path.join(SOURCE_DIR, "debian", "changelog"),
                                  "-S", "Version").stdout.strip()
        arch = run("dpkg", "--print-architecture").stdout.strip()
        cls.deb = os.path.join(dist, f"kinesyslog_{cls.package_version}_{arch}.deb")
        if not os.path.exists(cls.deb):
            raise AssertionError(f"{cls.deb} not built; dist/ holds {glob.glob(dist + '/*')}")
        cls.lintian = built.stdout

    def setUp(self):
        self.addCleanup(self.restore_machine)

    def restore_machine(self):
        """Whatever happened: the package purged, and the user, group and spool gone if we made them."""
        if installed() or run("dpkg-query", "-W", "kinesyslog").returncode == 0:
            run("apt-get", "purge", "-y", "-q", "kinesyslog", env=APT_ENV)
        if not self.had_user and user_exists("kinesyslog"):
            run("deluser", "--system", "--quiet", "kinesyslog")
        if not self.had_group and group_exists("kinesyslog"):
            run("delgroup", "--system", "--quiet", "kinesyslog")
        shutil.rmtree(SPOOL, ignore_errors=True)

    def apt_install(self):
        result = run("apt-get", "install", "-y", "-q", "--no-install-recommends", os.path.abspath(self.deb),
                     timeout=300, env=APT_ENV)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(installed())

    def purge(self):
        result = run("apt-get", "purge", "-y", "-q", "kinesyslog", timeout=300, env=APT_ENV)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result

    def test_installs_runs_and_purges_without_a_trace(self):
        self.assertIn("lintian: no errors", self.lintian)
        self.apt_install()

        files = run("dpkg", "-L", "kinesyslog").stdout.split("\n")
        for path in ("/usr/bin/kinesyslog", UNIT, DEFAULTS, "/usr/share/man/man1/kinesyslog.1.gz",
                     "/usr/share/doc/kinesyslog/copyright", "/usr/share/doc/kinesyslog/changelog.Debian.gz"):
            self.assertIn(path, files)
            self.assertTrue(os.path.exists(path), path)
        conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "kinesyslog").stdout
        self.assertIn(DEFAULTS, conffiles)

        # The program runs, its version is the package's, and every library it needs is there.
        version = run("/usr/bin/kinesyslog", "--version")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertEqual(version.stdout.strip(), f"kinesyslog {self.version}")
        self.assertEqual(run("dpkg-query", "-W", "-f=${Version}", "kinesyslog").stdout, self.package_version)
        self.assertTrue(self.package_version.startswith(self.version + "-"), self.package_version)
        self.assertNotIn("not found", run("ldd", "/usr/bin/kinesyslog").stdout)
        self.assertEqual(run("man", "--warnings", "-l", "-Tutf8", "/usr/share/man/man1/kinesyslog.1.gz").stderr, "")

        # The system user the unit runs as.
        user = pwd.getpwnam("kinesyslog")
        self.assertLess(user.pw_uid, 1000)
        self.assertEqual(user.pw_dir, SPOOL)
        self.assertEqual(grp.getgrgid(user.pw_gid).gr_name, "kinesyslog")

        # systemd-analyze checks the unit as systemd would load it (no running systemd needed).
        verified = run(tool("systemd-analyze"), "verify", UNIT, timeout=60)
        self.assertEqual(verified.returncode, 0, verified.stderr)
        self.assertNotIn("kinesyslog.service", verified.stderr, verified.stderr)
        with open(UNIT) as file:
            unit = file.read()
        for line in ("ExecStart=/usr/bin/kinesyslog listen", "User=kinesyslog", f"EnvironmentFile={DEFAULTS}",
                     "StateDirectory=kinesyslog", "ProtectSystem=strict", "WantedBy=multi-user.target"):
            self.assertIn(f"\n{line}\n", unit)
        # Installed disabled: nothing to deliver to until the operator sets the stream.
        self.assertEqual(glob.glob("/etc/systemd/system/*.wants/kinesyslog.service"), [])

        # The environment file names every option of the help, commented out, and keeps the
        # metadata service off the proxy.
        variables = set(re.findall(r"\[env: (KINESYSLOG_[A-Z_]+)\]", run("/usr/bin/kinesyslog", "listen", "--help").stdout))
        self.assertGreater(len(variables), 30)
        with open(DEFAULTS) as file:
            defaults = file.read()
        for variable in variables:
            self.assertIn(f"\n#{variable}=", defaults)
        self.assertIn("\nno_proxy=169.254.169.254\n", defaults)

        # The spool as a stopped relay leaves it with everything delivered: purge removes it.
        os.makedirs(os.path.join(SPOOL, "journal"))
        open(os.path.join(SPOOL, ".lock"), "w").close()
        self.purge()
        self.assertFalse(installed())
        listed = run("dpkg", "-L", "kinesyslog")
        self.assertNotEqual(listed.returncode, 0, listed.stdout)
        for path in ("/usr/bin/kinesyslog", UNIT, DEFAULTS, "/usr/share/doc/kinesyslog", SPOOL):
            self.assertFalse(os.path.exists(path), path)

    def test_purge_keeps_a_spool_that_holds_undelivered_records(self):
        self.apt_install()
        record = os.path.join(SPOOL, "firehose_event-1764512345000000000-0000042-000000000001~127.0.0.1~514")
        os.makedirs(SPOOL)
        with open(record, "wb") as file:
            file.write(b"\x1f\x8b")
        result = self.purge()
        self.assertFalse(installed())
        self.assertTrue(os.path.exists(record))
        self.assertIn(f"kept {SPOOL}", result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
