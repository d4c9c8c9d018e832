"""Starts the real kinesyslog binary on loopback ports and reads back what it delivered.

Used by the integration tests (run with Debian's /usr/bin/python3). Every wait here is
bounded in time; every load loop is bounded in count.
"""
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BINARY = os.environ.get("KINESYSLOG_BINARY", "kinesyslog")
TOOLS_DIR = os.environ.get("KINESYSLOG_TOOLS_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".tools"))


def tool(name):
    """Path of a third-party tool: ours in the tools folder first, then PATH."""
    candidate = os.path.join(TOOLS_DIR, "bin", name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed; run scripts/install-deps.sh --tests")
    return found


def free_port(host="127.0.0.1"):
    """A port free for both TCP and UDP on `host`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            try:
                with socket.socket(family, socket.SOCK_DGRAM) as udp:
                    udp.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


def wait_listening(process, host, port, timeout, read_log):
    """Waits until `process` accepts TCP connections on host:port; AssertionError with its log
    (`read_log()`) when it exits first or does not listen within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"relay exited with {process.returncode}:\n{read_log()}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        time.sleep(0.05)
    raise AssertionError(f"relay did not listen on {port} within {timeout}s:\n{read_log()}")


class Relay:
    """One kinesyslog process delivering into a temporary output directory."""

    def __init__(self, *extra_args, tcp=True, udp=True, address="127.0.0.1", env=None, workdir=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="kinesyslog-it-")
        self.output_dir = os.path.join(self.workdir, "output")
        self.spool_dir = os.path.join(self.workdir, "spool")
        os.makedirs(self.output_dir, exist_ok=True)
        os.makedirs(self.spool_dir, exist_ok=True)
        self.address = address
        self.connect_host = "::1" if address in ("::", "::1") else "127.0.0.1"
        self.port = free_port(self.connect_host)
        self.args = [BINARY, "listen", "--address", address, "--tls-port", "0",
                     "--output-dir", self.output_dir, "--spool-dir", self.spool_dir,
                     "--delivery-interval", "1"]
        if tcp:
            self.args += ["--tcp-port", str(self.port)]
        if udp:
            self.args += ["--udp-port", str(self.port)]
        self.args += list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.log_path = os.path.join(self.workdir, "relay.log")
        self.process = None

    def start(self, wait_tcp=True):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        if wait_tcp:
            self.wait_listening()
        else:
            time.sleep(0.5)
        return self

    def wait_listening(self, timeout=15):
        wait_listening(self.process, self.connect_host, self.port, timeout, self.read_log)

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"relay did not stop within {timeout}s after SIGTERM:\n{self.read_log()}")

    def read_log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def output_objects(self):
        return sorted(p for p in glob.glob(os.path.join(self.output_dir, "**", "*"), recursive=True) if os.path.isfile(p))

    def delivered_events(self):
        """Every delivered event, decoded by `kinesyslog dump`."""
        return dump_events(self.output_objects())

    def wait_for_events(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        events = []
        while time.monotonic() < deadline:
            events = self.delivered_events()
            if len(events) >= count:
                return events
            time.sleep(0.2)
        return events

    def cleanup(self):
        with contextlib.suppress(Exception):
            self.stop()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def aws_test_env(**variables):
    """This environment with test keys, no AWS configuration files, and `variables` (endpoint
    URLs): what a relay delivering to the stand-in (or kinesalite) runs with."""
    return dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="SECRETTEST",
                AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, **variables)


class RelayProcess:
    """A kinesyslog process run with `args` and `env` as a subclass builds them, logging into
    `workdir`/relay.log, with its spool in `workdir`/spool and a TCP listener on `port`."""

    def __init__(self, workdir, port):
        self.spool_dir = os.path.join(workdir, "spool")
        os.makedirs(self.spool_dir, exist_ok=True)
        self.port = port
        self.log_path = os.path.join(workdir, "relay.log")
        self.args = []
        self.env = None
        self.process = None
        self.log = None

    def start(self, timeout=15):
        """Starts it and waits until its TCP port accepts connections."""
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        wait_listening(self.process, "127.0.0.1", self.port, timeout, self.read_log)
        return self

    def run_to_exit(self, timeout=30):
        """Runs the same command in the foreground (a start that must fail); the CompletedProcess."""
        return subprocess.run(self.args, capture_output=True, timeout=timeout, env=self.env)

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code (None when it never started)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=timeout)
        if self.log:
            self.log.close()
            self.log = None
        return self.process.returncode if self.process else None

    def read_log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def spool_count(self):
        return sum(1 for name in os.listdir(self.spool_dir) if name.startswith("firehose_event-"))


def dump_events(paths):
    if not paths:
        return []
    result = subprocess.run([BINARY, "dump", *paths], capture_output=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"dump failed ({result.returncode}): {result.stderr.decode()}")
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines() if line]


def run_relay(*args, timeout=15, env=None):
    """Runs the binary to completion (for option and exit-code checks)."""
    return subprocess.run([BINARY, *args], capture_output=True, timeout=timeout, env=dict(os.environ, **(env or {})))
