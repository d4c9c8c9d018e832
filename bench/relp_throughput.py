#!/usr/bin/python3
"""RELP end to end: messages fed to rsyslog (imtcp on loopback) go out over ONE omrelp
connection to the relay, which answers each frame only once its journal has synced it.
Prints messages/s from the first message fed to the last one acknowledged (the relay's
kinesyslog_relp_frames_acked_total), and the relay's CPU seconds per million messages.

rsyslog runs in the foreground with the integration tests' omrelp configuration.

Usage: bench/relp_throughput.py [--binary build/kinesyslog] [--messages 200000] [--journal-sync-ms 50]
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from relay_harness import free_port  # noqa: E402
from relay_probes import omrelp_forwarding_config, sample, scrape, wait_until  # noqa: E402


def wait_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start_rsyslog(work, relp_port):
    input_port = free_port()
    conf = os.path.join(work, "rsyslog.conf")
    with open(conf, "w") as out:
        out.write(omrelp_forwarding_config(work, input_port, relp_port, 1_000_000))
    rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    process = subprocess.Popen([rsyslogd, "-n", "-f", conf, "-i", os.path.join(work, "pid")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(input_port)
    return process, input_port


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "kinesyslog"))
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--journal-sync-ms", default="50")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="kinesyslog-relp-bench-")
    rsyslog = relay = None
    try:
        out, spool = os.path.join(work, "out"), os.path.join(work, "spool")
        os.makedirs(out)
        os.makedirs(spool)
        relp_port, tcp_port, metrics_port = free_port(), free_port(), free_port()
        relay = subprocess.Popen([args.binary, "listen", "--address", "127.0.0.1", "--tcp-port", str(tcp_port),
                                  "--udp-port", "0", "--tls-port", "0", "--relp-port", str(relp_port),
                                  "--prometheus-port", str(metrics_port), "--journal-sync-ms", args.journal_sync_ms,
                                  "--output-dir", out, "--spool-dir", spool],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(tcp_port)
        rsyslog, input_port = start_rsyslog(work, relp_port)
        payload = b"".join(b"<13>Nov 30 07:00:00 host app: relp-bench %08d %s\n" % (n, b"x" * 120)
                           for n in range(args.messages))
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", input_port), timeout=30) as connection:
            connection.sendall(payload)

        def acked():
            return sample(scrape(metrics_port), "kinesyslog_relp_frames_acked_total", f'port="{relp_port}"')
        done = wait_until(lambda: acked() >= args.messages, timeout=600, interval=0.05)
        elapsed = time.monotonic() - started
        relay.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(relay.pid, 0)
        relay.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        print(f"{args.messages} messages over one omrelp connection, journal sync {args.journal_sync_ms} ms: "
              f"{'all' if done else 'NOT all'} acknowledged in {elapsed:.2f} s = {args.messages / elapsed:,.0f} msgs/s; "
              f"relay CPU {cpu / args.messages * 1e6:.2f} s per million; exit {relay.returncode}")
    finally:
        for process in (rsyslog, relay):
            if process and process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
