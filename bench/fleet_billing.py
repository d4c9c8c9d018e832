#!/usr/bin/python3
"""What Firehose bills for a fleet of quiet hosts, with and without --pack-records.

Many hosts (distinct 127.x.y.z source addresses, one TCP connection each) send a few Linux
syslog lines each through the real binary to the Firehose stand-in (tests/firehose/endpoint.py),
which bills each accepted record in whole 5 KiB steps as Firehose does. Every host's lines
become one record of their own (one batch per source address and port); without packing each
such record is one Firehose record, with --pack-records many of them share one. Printed per
run: events delivered, Firehose records and gzip members, PutRecordBatch calls, gzip bytes per
event and Firehose-billed bytes per event.

The lines are Linux syslog lines made up deterministically here (sshd, ftpd, su, kernel,
logrotate... in the shape of a 2005 Linux server's /var/log/messages), unless --log-file gives
real ones (for example loghub's Linux/Linux_2k.log from https://github.com/logpai/loghub, whose
licence limits its use to research, so it is not kept in this repository): host h then sends
lines 6h to 6h+5 of the file (wrapping round), its hostname put in place of the file's own.

Usage: bench/fleet_billing.py [--binary build/kinesyslog] [--hosts 2000] [--lines 6]
                              [--log-file Linux_2k.log] [--flush-age 3] [--delivery-interval 5]
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import relay_harness  # noqa: E402
import test_firehose as firehose  # noqa: E402
from relay_harness import aws_test_env, free_port  # noqa: E402
from relay_probes import wait_until  # noqa: E402

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def made_up_lines(count, seed=12):
    """`count` lines of a Linux server's syslog, the same ones for the same seed."""
    rng = random.Random(seed)
    users = ["root", "news", "cyrus", "test", "guest", "admin", "oracle", "webmaster"]

    def remote():
        return rng.choice([f"{rng.randint(24, 222)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                           f"{rng.randint(60, 220)}-{rng.randint(1, 250)}-{rng.randint(1, 250)}-{rng.randint(1, 250)}"
                           f".{rng.choice(['hinet-ip.hinet.net', 'dynamic.163data.com.cn', 'adsl.tpnet.pl'])}"])

    templates = [
        (30, lambda pid: f"sshd(pam_unix)[{pid}]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh "
                         f"ruser= rhost={remote()}" + rng.choice(["", "  user=root"])),
        (10, lambda pid: f"sshd(pam_unix)[{pid}]: check pass; user unknown"),
        (25, lambda pid: f"ftpd[{pid}]: connection from {remote()} at "
                         f"{rng.choice(['Sun', 'Mon', 'Tue'])} Jul {rng.randint(1, 28):2d} "
                         f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} 2005"),
        (8, lambda pid: f"su(pam_unix)[{pid}]: session opened for user {rng.choice(users)} by (uid=0)"),
        (8, lambda pid: f"su(pam_unix)[{pid}]: session closed for user {rng.choice(users)}"),
        (5, lambda pid: "kernel: " + rng.choice([
            "Memory: 125312k/129720k available (1540k kernel code, 3860k reserved, 599k data, 144k init, 0k highmem)",
            "audit(1122475266.4294965305:0): initialized", "klogd 1.4.1, log source = /proc/kmsg started.",
            f"usb {rng.randint(1, 4)}-{rng.randint(1, 2)}: new full speed USB device using uhci_hcd and address "
            f"{rng.randint(2, 9)}", "Linux agpgart interface v0.100 (c) Dave Jones"])),
        (4, lambda pid: f"klogind[{pid}]: Authentication failed from {remote()}: Software caused connection abort"),
        (4, lambda pid: "logrotate: ALERT exited abnormally with [1]"),
        (3, lambda pid: f"named[{pid}]: notify question section contains no SOA"),
        (3, lambda pid: "cups: cupsd shutdown succeeded"),
    ]
    weights = [weight for weight, _ in templates]
    lines, pid, clock = [], 19_000, 0
    for _ in range(count):
        pid += rng.randint(1, 40)
        clock += rng.randint(0, 90)
        make = rng.choices([make for _, make in templates], weights)[0]
        day, seconds = 14 + clock // 86400, clock % 86400
        stamp = f"Jun {day:2d} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        lines.append(f"{stamp} combo {make(pid)}")
    return lines


def host_lines(lines, host, per_host):
    """Host `host`'s lines, its hostname instead of the file's (the third word, after the time)."""
    own = []
    for i in range(per_host):
        line = lines[(host * per_host + i) % len(lines)]
        own.append(re.sub(r"^(\w{3} +\d+ [\d:]+) \S+", rf"\1 host{host:05d}", line, count=1))
    return own


def source_address(host):
    return f"127.{1 + host // 62500}.{host // 250 % 250}.{1 + host % 250}"


def run_once(args, lines, pack):
    work = tempfile.mkdtemp(prefix="kinesyslog-fleet-")
    endpoint = relay = log = None
    try:
        endpoint = firehose.Endpoint(work)
        port = free_port()
        spool = os.path.join(work, "spool")
        os.makedirs(spool)
        url = f"http://127.0.0.1:{endpoint.port}"
        command = [args.binary, "listen", "--stream", firehose.STREAM, "--region", "us-east-1", "--endpoint-url", url,
                   "--address", "127.0.0.1", "--tls-port", "0", "--tcp-port", str(port), "--spool-dir", spool,
                   "--flush-age", str(args.flush_age), "--delivery-interval", str(args.delivery_interval)]
        if pack:
            command.append("--pack-records")
        env = aws_test_env(AWS_ENDPOINT_URL_STS=url)
        log = open(os.path.join(work, "relay.log"), "wb")
        relay = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        if not wait_until(lambda: relay.poll() is None and accepts(port), 15, 0.05):
            raise RuntimeError("the relay did not start")
        events = args.hosts * args.lines
        for host in range(args.hosts):
            payload = "".join(f"<13>{line}\n" for line in host_lines(lines, host, args.lines)).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=10,
                                          source_address=(source_address(host), 0)) as connection:
                connection.sendall(payload)
        started = time.monotonic()
        # Every host's record is one gzip member: all of them in, and the spool empty.
        done = wait_until(lambda: stream_counters(endpoint).get("gzip_members", 0) >= args.hosts and
                          not any(name.startswith("firehose_event-") for name in os.listdir(spool)),
                          args.flush_age + args.delivery_interval + 120, 0.5)
        if not done:
            raise RuntimeError(f"not every record arrived: {stream_counters(endpoint)}")
        delivered = len(relay_harness.dump_events(endpoint.objects()))
        counters = endpoint.counters()
        stream = counters["streams"][firehose.STREAM]
        relay.terminate()
        relay.wait(timeout=30)
        return {"events": events, "delivered": delivered, "records": stream["records"],
                "members": stream["gzip_members"], "bytes": stream["bytes"], "billed": stream["billed_bytes"],
                "calls": counters["calls"].get("PutRecordBatch", 0), "seconds": time.monotonic() - started,
                "largest": max(int(n) for n in stream["members_per_record"])}
    finally:
        if relay and relay.poll() is None:
            relay.kill()
            relay.wait()
        if log:
            log.close()
        if endpoint:
            endpoint.stop()
        shutil.rmtree(work, ignore_errors=True)


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stream_counters(endpoint):
    return endpoint.counters()["streams"].get(firehose.STREAM, {})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "kinesyslog"))
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=6, help="lines per host")
    parser.add_argument("--log-file", help="real syslog lines to send instead of made-up ones")
    parser.add_argument("--flush-age", type=float, default=3)
    parser.add_argument("--delivery-interval", type=float, default=5)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    relay_harness.BINARY = args.binary  # dump_events runs `kinesyslog dump` with it
    if args.log_file:
        with open(args.log_file, encoding="utf-8", errors="replace") as text:
            lines = [line.rstrip("\n") for line in text if line.strip()]
        origin = args.log_file
    else:
        lines = made_up_lines(args.hosts * args.lines)
        origin = "made-up Linux syslog lines"
    print(f"{args.hosts} hosts x {args.lines} lines ({origin}), flush age {args.flush_age} s, "
          f"delivery interval {args.delivery_interval} s")
    for pack in (False, True):
        r = run_once(args, lines, pack)
        name = "--pack-records" if pack else "unpacked"
        lost = "" if r["delivered"] == r["events"] else f"  (DELIVERED {r['delivered']} of {r['events']})"
        print(f"{name:>15}: {r['events']} events, {r['members']} gzip records in {r['records']} Firehose records "
              f"(largest {r['largest']} members), {r['calls']} calls; gzip {r['bytes'] / r['events']:.1f} B/event, "
              f"billed {r['billed'] / r['events']:.1f} B/event ({r['billed']} B){lost}")


if __name__ == "__main__":
    main()
