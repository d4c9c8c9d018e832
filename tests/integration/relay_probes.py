"""Small helpers shared by the PROXY, GELF and hostile-input integration tests: reading the
relay's /metrics, its peak memory, bounded waits, test certificates, and raw PROXY headers.
Every wait here is bounded in time."""
import ipaddress
import os
import re
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request

from relay_harness import tool

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def scrape(metrics_port, timeout=5, host="127.0.0.1"):
    """GET /metrics. The metrics endpoint opens a moment after the syslog listeners (the relay
    binds those first), so a refused connection is tried again until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://{host}:{metrics_port}/metrics", timeout=timeout) as response:
                return response.read().decode()
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def sample(text, name, labels=""):
    """The value of one sample (0 when absent)."""
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and match.group(1) == name and (match.group(2) or "") == labels:
            return float(match.group(3))
    return 0.0


def dropped(metrics_port, reason):
    return sample(scrape(metrics_port), "kinesyslog_dropped_messages_total", f'reason="{reason}"')


def wait_until(condition, timeout, interval=0.1):
    """Polls `condition()` until it is truthy or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def status_kib(pid, field):
    """A kB figure of /proc/PID/status, e.g. VmRSS."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field}")


def peak_rss_kib(pid):
    """VmHWM: the most resident memory the process has had."""
    return status_kib(pid, "VmHWM")


def rss_kib(pid):
    return status_kib(pid, "VmRSS")


def events_with(relay, texts, timeout=30):
    """{text: [events whose message's last word is text]} once every text (a word without
    spaces) has arrived (or on timeout)."""
    found, wanted = {}, set(texts)

    def collect():
        found.clear()
        for event in relay.delivered_events():
            last_word = event["message"].rsplit(" ", 1)[-1]
            if last_word in wanted:
                found.setdefault(last_word, []).append(event)
        return len(found) == len(wanted)
    wait_until(collect, timeout, interval=0.25)
    return dict(found)


def syslog_line(text):
    return f"<13>1 2026-11-24T10:00:00.000Z host app - - - {text}"


def make_tls_material(directory):
    """A CA, a server certificate for localhost/127.0.0.1/::1 and a client certificate
    (CN proxy-client), all signed by the CA. Returns a dict of paths."""
    paths = {name: os.path.join(directory, name) for name in (
        "ca.pem", "ca.key", "server.pem", "server.key", "server-bundle.pem", "client.pem", "client.key")}

    def run(*args):
        subprocess.run([tool("openssl"), *args], check=True, capture_output=True, timeout=60)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *key, "-keyout", paths["ca.key"], "-out", paths["ca.pem"], "-days", "2",
        "-subj", "/CN=kinesyslog test CA")
    for name, subject, extensions in (
            ("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                                        "extendedKeyUsage=serverAuth\n"),
            ("client", "/CN=proxy-client", "extendedKeyUsage=clientAuth\n")):
        csr = os.path.join(directory, f"{name}.csr")
        ext = os.path.join(directory, f"{name}.ext")
        with open(ext, "w") as file:
            file.write(extensions)
        run("req", *key, "-keyout", paths[f"{name}.key"], "-out", csr, "-subj", subject)
        run("x509", "-req", "-in", csr, "-CA", paths["ca.pem"], "-CAkey", paths["ca.key"], "-CAcreateserial",
            "-out", paths[f"{name}.pem"], "-days", "2", "-extfile", ext)
    with open(paths["server-bundle.pem"], "w") as bundle:
        for name in ("server.pem", "server.key"):
            with open(paths[name]) as part:
                bundle.write(part.read())
    return paths


def proxy_v1(source, destination, source_port=40000, destination_port=514):
    family = "TCP6" if ":" in source else "TCP4"
    return f"PROXY {family} {source} {destination} {source_port} {destination_port}\r\n".encode()


def proxy_v2(source=None, destination=None, source_port=40000, destination_port=514, tlvs=b"", local=False):
    """A v2 header: PROXY over TCP4/TCP6 for `source`, or LOCAL."""
    if local:
        return PROXY_V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", len(tlvs)) + tlvs
    src, dst = ipaddress.ip_address(source), ipaddress.ip_address(destination)
    family = 0x11 if src.version == 4 else 0x21
    block = src.packed + dst.packed + struct.pack("!HH", source_port, destination_port) + tlvs
    return PROXY_V2_SIGNATURE + bytes([0x21, family]) + struct.pack("!H", len(block)) + block


def closed_by_peer(connection, timeout):
    """True once the peer closes `connection` (EOF or reset) within `timeout` seconds; bytes
    the peer might send are read and ignored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if connection.recv(4096) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
    return False


def omrelp_forwarding_config(work, input_port, relp_port, queue_size, tls_settings="", internal_log=None):
    """An rsyslog configuration that forwards what its loopback imtcp input receives to the
    relay over omrelp, retrying forever. No imuxsock/imklog: the system's logs stay untouched.
    omrelp corks its socket (TCP_CORK) per batch; a batch larger than the RELP window (128)
    then waits up to the cork's 200 ms for answers to frames the kernel still holds back, so
    the queue hands it batches of one window."""
    internal = f'*.* action(type="omfile" file="{internal_log}")' if internal_log else ""
    return f"""
global(workDirectory="{work}")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="{input_port}" ruleset="forward")
ruleset(name="forward" queue.type="LinkedList" queue.size="{queue_size}" queue.dequeueBatchSize="128") {{
  action(type="omrelp" target="127.0.0.1" port="{relp_port}" {tls_settings}
         template="RSYSLOG_ForwardFormat" action.resumeInterval="1" action.resumeRetryCount="-1")
}}
{internal}
"""
