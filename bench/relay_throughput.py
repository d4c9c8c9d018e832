#!/usr/bin/python3
"""End-to-end throughput of the relay: loggen → TCP → relay → --output-dir.

Prints, per configuration: messages/s sustained (as the sender saw it: TCP backpressure
slows loggen whenever the relay cannot keep up), relay CPU seconds per million messages
(user+sys of the relay process, from wait4), peak RSS, and compressed bytes per event —
with compressible ids (the default) and with --random-ids; with --tls, plain TCP next to
TLS instead (loggen --use-ssl; a throw-away certificate made with the openssl CLI); with
--journal, the write-ahead journal off (--journal-sync-ms 0) next to on (the default), adding
the journal's bytes written per raw message byte and the on/off ratios. With
--streams N, one stream next to N streams (each --stream an output-directory destination
with its own delivery thread; the messages arrive on --ports receiving ports, one loggen each,
so their (source, port) routes spread over the streams). With
--baseline BINARY, the same runs are made with that binary too (e.g. the previous commit's build), alternating,
and the ratios are printed, so a comparison holds even if the machine's speed drifts.

Usage: bench/relay_throughput.py [--binary build/kinesyslog] [--messages 2000000]
                                 [--baseline OTHER_BINARY] [--repeat 1] [--tls | --journal | --streams N]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from relay_harness import free_port, tool  # noqa: E402
from relay_probes import sample, scrape  # noqa: E402
from tls_certs import TestPki  # noqa: E402


def wait_listening(port, process, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("relay exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("relay did not start")


class PeakRss:
    """Follows the relay's own VmHWM until it exits. (wait4's ru_maxrss is no good here:
    Linux carries the parent's high-water mark into the child's figure.)"""

    def __init__(self, pid):
        self.kib = 0
        self.thread = threading.Thread(target=self.follow, args=(pid,), daemon=True)
        self.thread.start()

    def follow(self, pid):
        while True:
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.kib = max(self.kib, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                return
            time.sleep(0.02)


def count_events(binary, objects):
    """Events in the delivered objects, counted as `kinesyslog dump` streams them."""
    if not objects:
        return 0
    dump = subprocess.Popen([binary, "dump", *objects], stdout=subprocess.PIPE)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: dump.stdout.read(1 << 20), b""))
    dump.wait(timeout=600)
    return lines


def run_once(binary, messages, size, extra_args, connections, pki=None, ports=1):
    """One relay run; with `pki`, loggen sends over TLS to a TLS port (the TCP port only
    tells when the relay listens). With `ports` > 1 the relay listens on that many TCP ports
    and one loggen per port sends its share at the same time."""
    workdir = tempfile.mkdtemp(prefix="kinesyslog-bench-")
    try:
        out, spool = os.path.join(workdir, "out"), os.path.join(workdir, "spool")
        os.makedirs(out)
        os.makedirs(spool)
        port, metrics_port = free_port(), free_port()
        more_ports = [free_port() for _ in range(ports - 1)]
        more_port_args = [arg for extra_port in more_ports for arg in ("--tcp-port", str(extra_port))]
        tls_args, target, transport = [], port, ["--inet", "--stream"]
        if pki:
            target = free_port()
            tls_args = ["--tls-port", str(target), "--cert", pki.server_cert, "--key", pki.server_key]
            transport = ["--use-ssl"]  # loggen's TLS transport; TCP implied
        relay = subprocess.Popen([binary, "listen", "--address", "127.0.0.1", "--tcp-port", str(port), "--tls-port", "0",
                                  *tls_args, "--output-dir", out, "--spool-dir", spool, "--delivery-interval", "5",
                                  "--prometheus-port", str(metrics_port), *more_port_args, *extra_args],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, relay)
        peak = PeakRss(relay.pid)
        started = time.monotonic()
        targets = [target, *more_ports]
        per_connection = messages // connections // len(targets)
        senders = [subprocess.Popen([tool("loggen"), *transport, "--rate", "100000000", "--size", str(size),
                                     "--number", str(per_connection), "--active-connections", str(connections),
                                     "127.0.0.1", str(one_target)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                   for one_target in targets]
        sent = 0
        for sender in senders:
            _, errors = sender.communicate(timeout=600)
            # loggen prints a progress line with count= every second: the last one is the total.
            counts = re.findall(rb"count=(\d+)", errors)
            sent += int(counts[-1]) if counts else per_connection * connections
        sent_seconds = time.monotonic() - started
        # Read before SIGTERM: the journal's own count of what it wrote (0 when it is off).
        journal_bytes = sample(scrape(metrics_port), "kinesyslog_journal_bytes_total")
        relay.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(relay.pid, 0)
        relay.returncode = os.waitstatus_to_exitcode(status)
        objects = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs]
        output_bytes = sum(os.path.getsize(path) for path in objects)
        peak.thread.join(timeout=5)
        delivered = count_events(binary, objects)
        return {
            "sent": sent,
            "rate": sent / sent_seconds,
            "cpu_per_million": (usage.ru_utime + usage.ru_stime) / sent * 1e6,
            "peak_rss_mib": peak.kib / 1024,
            "bytes_per_event": output_bytes / sent,
            "journal_per_raw_byte": journal_bytes / (sent * size),
            "exit": relay.returncode,
            "delivered": delivered,
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "kinesyslog"))
    parser.add_argument("--baseline", help="a second binary to compare against, run alternately")
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tls", action="store_true", help="compare plain TCP with TLS (default ids)")
    parser.add_argument("--journal", action="store_true", help="compare the journal off with on (default ids)")
    parser.add_argument("--streams", type=int, default=0, help="compare one stream with this many")
    parser.add_argument("--ports", type=int, default=4, help="receiving ports (one loggen each) with --streams")
    args = parser.parse_args()

    pki = TestPki() if args.tls else None
    try:
        run_all(args, pki)
    finally:
        if pki:
            pki.cleanup()


def run_all(args, pki):
    ports = 1
    if args.streams:
        ports = args.ports
        many = [arg for i in range(args.streams) for arg in ("--stream", f"s{i}")]
        configurations = [("1 stream", ["--stream", "s0"], None), (f"{args.streams} streams", many, None)]
    elif pki:
        configurations = [("TCP", [], None), ("TLS", [], pki)]
    elif args.journal:
        configurations = [("journal off", ["--journal-sync-ms", "0"], None), ("journal on", [], None)]
    else:
        configurations = [("default ids", [], None), ("--random-ids", ["--random-ids"], None)]
    binaries = [("build", args.binary)] + ([("baseline", args.baseline)] if args.baseline else [])
    print(f"{args.messages} messages of {args.size} bytes over {args.connections} connection(s) to each of "
          f"{ports} port(s), "
          f"{os.cpu_count()} cores, sender on the same machine")
    header = f"{'binary':<9} {'configuration':<14} {'msgs/s':>10} {'CPU s/M msgs':>13} {'peak RSS MiB':>13} {'bytes/event':>12} {'delivered':>10} {'journal/raw':>12} {'exit':>5}"
    print(header)
    results = {}
    for _ in range(args.repeat):
        for label, extra, tls in configurations:
            for name, binary in binaries:
                r = run_once(binary, args.messages, args.size, extra, args.connections, tls, ports)
                results.setdefault((name, label), []).append(r)
                print(f"{name:<9} {label:<14} {r['rate']:>10,.0f} {r['cpu_per_million']:>13.2f} "
                      f"{r['peak_rss_mib']:>13.1f} {r['bytes_per_event']:>12.2f} {r['delivered']:>10} {r['journal_per_raw_byte']:>12.3f} {r['exit']:>5}", flush=True)
    def median(name, label, key):
        values = sorted(r[key] for r in results[(name, label)])
        return values[len(values) // 2]

    if args.streams:
        print(f"ratios {args.streams} streams/1 stream (medians):")
        for name, _ in binaries:
            ratios = {key: median(name, f"{args.streams} streams", key) / median(name, "1 stream", key)
                      for key in ("rate", "cpu_per_million", "peak_rss_mib")}
            print(f"  {name:<9} " + "  ".join(f"{k}={v:.3f}" for k, v in ratios.items()))
    if args.journal:
        print("ratios journal on/off (medians):")
        for name, _ in binaries:
            ratios = {key: median(name, "journal on", key) / median(name, "journal off", key)
                      for key in ("rate", "cpu_per_million", "peak_rss_mib")}
            print(f"  {name:<9} " + "  ".join(f"{k}={v:.3f}" for k, v in ratios.items()))
    if args.baseline:
        print("ratios build/baseline (medians):")
        for label, _, _ in configurations:
            ratios = {key: median("build", label, key) / median("baseline", label, key)
                      for key in ("rate", "cpu_per_million", "peak_rss_mib", "bytes_per_event")}
            print(f"  {label:<14} " + "  ".join(f"{k}={v:.3f}" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
