"""The plain-TCP senders of test_fleet.py and what their accounting is checked against: twenty
senders, each from its own loopback source address, writing numbered messages through haproxy
and telling the connections a relay's restart cut from those that ended cleanly."""
import collections
import contextlib
import re
import select
import socket
import threading
import time

SENDERS = tuple(f"127.0.1.{n}" for n in range(1, 21))


def keep_pace(sent, per_second, began, deadline):
    """Sleeps until `sent` messages are due at `per_second` from `began`; past `deadline` the feed fails."""
    ahead = sent / per_second - (time.monotonic() - began)
    if ahead > 0:
        time.sleep(ahead)
    if time.monotonic() > deadline:
        raise AssertionError(f"the feed ran past its deadline at {sent} messages")


def far_end_closed(connection):
    """Whether the far end has closed its side (an end of stream or a reset waits), seen without
    blocking and without consuming anything. The relay never writes on a plain TCP connection."""
    poller = select.poll()
    poller.register(connection, select.POLLIN)
    if not poller.poll(0):
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""  # readable: returns at once
    except OSError:  # reset
        return True


class TcpSenders:
    """Twenty plain TCP senders through haproxy, each from its own source address, as a syslog
    client over TCP behaves: a write that fails (the relay closed the connection) ends that
    connection, and the sender reconnects and goes on with its next message; it cannot know
    which of the messages it had written were read.

    haproxy hides a relay's close from a sender that is writing: when the relay closes, haproxy
    passes the end of stream on to the sender but keeps reading what the sender writes and
    throws it away, and a write fails only once haproxy has closed the sender's connection too.
    What was written after the relay's close is lost; the sender sees it as an end of stream
    that came before it shut down its own side."""

    def __init__(self, port, total):
        self.port, self.per_sender = port, total // len(SENDERS)
        self.connections = [None] * len(SENDERS)
        self.spans = []  # [sender, first number, end] per connection, in the order opened
        self.open_spans = [None] * len(SENDERS)
        self.closed_unnoticed = 0  # cut connections every write to which had succeeded

    def connect(self, index, first):
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=10,
                                              source_address=(SENDERS[index], 0))
        self.connections[index] = connection
        self.open_spans[index] = [index + 1, first, first]
        self.spans.append(self.open_spans[index])

    def feed(self, per_second, deadline, progress):
        chunk, sent, began = 25, 0, time.monotonic()
        for first in range(0, self.per_sender, chunk):
            progress(sent)
            numbers = range(first, min(first + chunk, self.per_sender))
            for index in range(len(SENDERS)):
                if self.connections[index] is None:
                    self.connect(index, first)
                payload = "".join(f"<13>Nov 30 07:00:00 host app: fleet-tcp s{index + 1:02d} {n:06d}\n"
                                  for n in numbers).encode()
                self.open_spans[index][2] = numbers.stop  # written, perhaps in part, to this connection
                try:
                    self.connections[index].sendall(payload)
                except OSError:  # reset: the relay behind it stopped; this chunk's fate is unknown
                    self.connections[index].close()
                    self.connections[index] = None
            sent += len(numbers) * len(SENDERS)
            keep_pace(sent, per_second, began, deadline)

    def close(self):
        """Ends the connections still open cleanly: shut down writing, then wait for the far
        end to close, which the relay does only once it has read everything. Returns the spans
        that ended so (complete), and those cut by a restart: among them a connection whose far
        end had closed before this shut down its side (no relay stops while this runs: a restart's
        end of stream has arrived by now, as haproxy passes it on at once)."""
        complete = []
        for index, connection in enumerate(self.connections):
            if connection is None:
                continue
            if far_end_closed(connection):
                connection.close()
                self.closed_unnoticed += 1
                continue
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_WR)
                connection.settimeout(15)
                if connection.recv(1) == b"":
                    complete.append(self.open_spans[index])
            connection.close()
        cut = [span for span in self.spans if not any(span is done for done in complete)]
        return complete, cut


class HalfClosingEnd:
    """A far end that behaves as haproxy does when the relay behind a connection stops: it
    reads each connection, and `half_close(sources)` shuts down its side of the connections
    from those addresses (their senders see an end of stream) but goes on reading them and
    throws away what arrives, so those senders' writes still succeed."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.kept = collections.Counter()  # (sender, number) read before a half-close
        self.lock = threading.Lock()
        self.open = []  # [connection, its peer's address, its own lines' buffer, half-closed]
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.server.settimeout(0.05)
        mark = re.compile(rb"s(\d\d) (\d{6})")
        while not self.stopping:
            with contextlib.suppress(socket.timeout):
                connection, peer = self.server.accept()
                connection.setblocking(False)
                with self.lock:
                    self.open.append([connection, peer[0], b"", False])
            with self.lock:
                for entry in list(self.open):
                    with contextlib.suppress(BlockingIOError):
                        data = entry[0].recv(65536)
                        if not data:
                            entry[0].close()
                            self.open.remove(entry)
                            continue
                        if entry[3]:
                            continue  # thrown away, as haproxy does once the server side is gone
                        lines = (entry[2] + data).split(b"\n")
                        entry[2] = lines.pop()
                        for line in lines:
                            match = mark.search(line)
                            self.kept[(int(match.group(1)), int(match.group(2)))] += 1

    def half_close(self, sources):
        with self.lock:
            for entry in self.open:
                if entry[1] in sources:
                    entry[0].shutdown(socket.SHUT_WR)
                    entry[3] = True

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        for entry in self.open:
            entry[0].close()
        self.server.close()
