#!/usr/bin/python3
"""Delivery throughput to one Firehose stream against several, end to end, against the local
Firehose stand-in (tests/firehose/endpoint.py) answering each PutRecordBatch after a fixed
delay (--call-latency, standing in for the round trip to AWS). One stream's calls go one after
another; with N streams each has its own delivery thread and connection, so the calls overlap.

Each configuration: `--sources` senders (each its own loopback address, so their routes spread
over the streams) send `--messages` numbered messages in all; the clock runs from the first
send until the spool is empty. Prints events/s end to end, records and calls per stream, and the
relay's CPU seconds per million events (user+sys from wait4).

Usage: bench/streams_delivery.py [--binary build/kinesyslog] [--streams 2] [--messages 200000]
                                 [--sources 64] [--call-latency 0.5] [--repeat 1]
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
from relay_harness import aws_test_env, free_port  # noqa: E402
from relay_probes import sample, scrape, wait_until  # noqa: E402
from test_firehose import STREAM, Endpoint  # noqa: E402


def send(port, sources, messages):
    per_source = messages // sources
    for index in range(sources):
        source = f"127.0.4.{index + 1}"
        first = index * per_source
        payload = "".join(f"<13>1 2026-03-01T09:05:07.123Z host app - - - message {n:08d} {'x' * 100}\n"
                          for n in range(first, first + per_source)).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0)) as connection:
            connection.sendall(payload)
    return per_source * sources


def run_once(binary, streams, messages, sources, latency):
    workdir = tempfile.mkdtemp(prefix="kinesyslog-streams-bench-")
    endpoint = None
    try:
        endpoint = Endpoint(workdir)
        names = [STREAM] + [f"stream{i}" for i in range(1, streams)]
        endpoint.admin("/_admin/streams", {name: "ACTIVE" for name in names[1:]})
        endpoint.admin("/_admin/faults", {"stall": latency, "stall_calls": -1, "operations": ["PutRecordBatch"]})
        spool = os.path.join(workdir, "spool")
        os.makedirs(spool)
        port, metrics_port = free_port(), free_port()
        url = f"http://127.0.0.1:{endpoint.port}"
        args = [binary, "listen", "--region", "us-east-1", "--endpoint-url", url, "--address", "127.0.0.1",
                "--tls-port", "0", "--tcp-port", str(port), "--spool-dir", spool, "--delivery-interval", "1",
                "--flush-age", "1", "--flush-size", "4096", "--prometheus-port", str(metrics_port)]
        for name in names:
            args += ["--stream", name]
        env = aws_test_env(AWS_ENDPOINT_URL_STS=url)
        relay = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scrape(metrics_port, timeout=15)
        started = time.monotonic()
        sent = send(port, sources, messages)
        # Every message counted as received, then every record accepted (the spool empty).
        received = lambda text: sum(value for line, value in ((l, l.rsplit(" ", 1)) for l in text.splitlines())
                                    if line.startswith("kinesyslog_message_count_total{")
                                    for value in [float(value[1])])
        done = wait_until(lambda: (lambda text: received(text) >= sent and
                                   sample(text, "kinesyslog_spool_count", f'path="{spool}"') == 0 and
                                   endpoint.counters()["records_accepted"] > 0)(scrape(metrics_port)), 600, 0.1)
        elapsed = time.monotonic() - started
        counters = endpoint.counters()
        relay.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(relay.pid, 0)
        return {
            "done": done,
            "rate": sent / elapsed,
            "seconds": elapsed,
            "cpu_per_million": (usage.ru_utime + usage.ru_stime) / sent * 1e6,
            "records": {name: counters["streams"].get(name, {}).get("records", 0) for name in names},
            "calls": counters["calls"].get("PutRecordBatch", 0),
            "exit": os.waitstatus_to_exitcode(status),
        }
    finally:
        if endpoint:
            endpoint.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "kinesyslog"))
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--sources", type=int, default=64)
    parser.add_argument("--call-latency", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.messages} messages from {args.sources} sources, each PutRecordBatch answered after "
          f"{args.call_latency} s, {os.cpu_count()} cores, sender and stand-in on the same machine")
    print(f"{'streams':>7} {'events/s':>10} {'seconds':>8} {'CPU s/M':>8} {'calls':>6} {'exit':>5}  records per stream")
    for _ in range(args.repeat):
        for streams in (1, args.streams):
            r = run_once(args.binary, streams, args.messages, args.sources, args.call_latency)
            note = "" if r["done"] else "  (not all delivered within 600 s)"
            print(f"{streams:>7} {r['rate']:>10,.0f} {r['seconds']:>8.1f} {r['cpu_per_million']:>8.2f} "
                  f"{r['calls']:>6} {r['exit']:>5}  {r['records']}{note}", flush=True)


if __name__ == "__main__":
    main()
