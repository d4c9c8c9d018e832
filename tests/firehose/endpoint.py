#!/usr/bin/python3
"""Local stand-in for AWS in kinesyslog's integration tests.

One threaded HTTP/1.1 server (keep-alive, loopback) that answers like:

* Kinesis Data Firehose (JSON 1.1): DescribeDeliveryStream, ListDeliveryStreams,
  PutRecordBatch, PutRecord.  Accepted records of one call are base64-decoded,
  concatenated and written as ONE object under
  ``<out>/YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>``, as Firehose
  writes S3 objects.
* Kinesis Data Streams (JSON 1.1): DescribeStreamSummary, PutRecords,
  ListStreams.  Records are kept in memory per stream with their partition keys,
  shard and sequence number (admin API ``/_admin/kinesis-records``).
* STS (query protocol, XML): GetCallerIdentity, AssumeRole,
  AssumeRoleWithWebIdentity (unsigned; the token is checked).
* EC2 IMDSv2 under ``/latest/...`` and the ECS container credentials endpoint
  under ``--ecs-path``.
* An admin API under ``/_admin/...`` (faults, counters, configuration).

Every AWS request is authenticated by re-signing it with botocore's own
``SigV4Auth`` and every body is validated against botocore's own service
models (``botocore.loaders`` + ``botocore.model`` + ``ParamValidator``).

The pieces live next to this file: ``aws_model`` (service models, validation),
``sigv4_check`` (credentials, signature checks), ``faults`` (faults, counters),
``http_handler`` (the request handler) with its mixins ``json_api``, ``firehose_api``,
``kinesis_api``, ``sts_api``, ``metadata_api`` and ``admin_api``.  This module holds the server
(``Config``, ``Endpoint``) and the command line.

Standard library + botocore only.  Run with the system interpreter; see
README.md in this directory.
"""

import argparse
import datetime
import http.server
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid

# The sibling modules are imported by plain name, wherever this file is run or imported from.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from aws_model import ApiError, ServiceModels            # noqa: E402
from faults import Counters, Faults                      # noqa: E402
from http_handler import Handler                         # noqa: E402
from kinesis_api import RECORD_ERRORS, KinesisStream     # noqa: E402
from sigv4_check import CredentialStore, SigV4Verifier   # noqa: E402

LOG = logging.getLogger('firehose-endpoint')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------------------
# Configuration / shared state
# ---------------------------------------------------------------------------

class Config:
    def __init__(self, host='127.0.0.1', port=0, out=None, region='us-east-1',
                 account_id='123456789012', credentials=(), streams=None,
                 credential_lifetime=3600.0, web_identity_token=None,
                 imds_role='kinesyslog-test-role', ecs_path='/v2/credentials/kinesyslog-test',
                 ecs_token=None, max_skew=900, tls_cert=None, tls_key=None, admin_port=None,
                 kinesis_streams=None):
        self.host = host
        self.port = port
        self.out = out
        self.region = region
        self.account_id = account_id
        self.credentials = list(credentials)          # [(access_key, secret)]
        self.streams = dict(streams or {})            # name -> status
        self.kinesis_streams = dict(kinesis_streams or {})  # Kinesis Data Streams: name -> status
        self.credential_lifetime = float(credential_lifetime)
        self.web_identity_token = web_identity_token
        self.imds_role = imds_role
        self.ecs_path = ecs_path
        self.ecs_token = ecs_token
        self.max_skew = max_skew
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.admin_port = admin_port                  # None: no separate admin listener


class Stream:
    def __init__(self, name, status):
        self.name = name
        self.status = status
        self.created = time.time()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, endpoint, admin_only, ssl_context):
        self.endpoint = endpoint
        self.admin_only = admin_only
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        LOG.debug('connection error from %s:\n%s', client_address, traceback.format_exc())


class Endpoint:
    """The server.  ``start()``, then ``port``; ``stop()`` to end."""

    def __init__(self, config):
        self.config = config
        self.models = ServiceModels()
        self.lock = threading.Lock()
        self.store = CredentialStore(config.account_id)
        for access_key, secret in config.credentials:
            self.store.add_static(access_key, secret)
        self.verifier = SigV4Verifier(self.store, config.max_skew)
        self.streams = {}
        for name, status in config.streams.items():
            self.set_stream(name, status)
        self.kinesis_streams = {}
        for name, status in config.kinesis_streams.items():
            self.set_kinesis_stream(name, status)
        self.faults = Faults()
        self.counters = Counters()
        self.imds_tokens = {}          # token -> expiry
        self.imds_cred = None
        self.ecs_cred = None
        self.port = None
        self.admin_port = None
        self.scheme = 'https' if config.tls_cert else 'http'
        self._ssl = None
        if config.tls_cert:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(config.tls_cert, config.tls_key)
        self._main = None
        self._admin = None
        self._down = False
        self._down_timer = None
        self._state_lock = threading.Lock()   # up/down transitions
        self._connections = set()
        self._conn_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        self._main = self._serve(self.config.port, admin_only=False)
        self.port = self._main.server_address[1]
        if self.config.admin_port is not None:
            self._admin = self._serve(self.config.admin_port, admin_only=True)
            self.admin_port = self._admin.server_address[1]
        LOG.info('listening on %s:%d (admin %s)', self.config.host, self.port, self.admin_port)
        return self

    def _serve(self, port, admin_only):
        server = _Server((self.config.host, port), self, admin_only, self._ssl)
        thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.1},
                                  name='http-%d' % server.server_address[1], daemon=True)
        thread.start()
        return server

    def stop(self):
        with self._state_lock:
            if self._down_timer:
                self._down_timer.cancel()
            for server in (self._main, self._admin):
                if server is not None:
                    server.shutdown()
                    server.server_close()
            self._main = self._admin = None
        self._close_connections(except_sock=None, admin_too=True)

    def go_down(self, seconds=None, except_sock=None):
        """Refuse connections (listening socket closed) and drop open ones."""
        with self._state_lock:
            if not self._down and self._main is not None:
                self._main.shutdown()
                self._main.server_close()
                self._main = None
                self._down = True
                with self.lock:
                    self.counters.faults['down'] += 1
            if self._down_timer:
                self._down_timer.cancel()
                self._down_timer = None
            if seconds is not None:
                self._down_timer = threading.Timer(seconds, self.come_up)
                self._down_timer.daemon = True
                self._down_timer.start()
        self._close_connections(except_sock=except_sock, admin_too=False)

    def come_up(self):
        with self._state_lock:
            if self._down_timer:
                self._down_timer.cancel()
                self._down_timer = None
            if not self._down:
                return
            for attempt in range(50):
                try:
                    self._main = self._serve(self.port, admin_only=False)
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError('cannot listen on port %d again' % self.port)
            self._down = False

    @property
    def down(self):
        return self._down

    def track(self, sock, server):
        with self._conn_lock:
            self._connections.add((sock, server.admin_only))

    def untrack(self, sock, server):
        with self._conn_lock:
            self._connections.discard((sock, server.admin_only))

    def _close_connections(self, except_sock, admin_too):
        with self._conn_lock:
            victims = [s for s, admin in self._connections
                       if s is not except_sock and (admin_too or not admin)]
        for sock in victims:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- state -------------------------------------------------------------
    def set_stream(self, name, status):
        if status not in self.models.stream_statuses:
            raise ValueError('stream status must be one of %s' % sorted(self.models.stream_statuses))
        with self.lock:
            stream = self.streams.get(name)
            if stream is None:
                self.streams[name] = Stream(name, status)
            else:
                stream.status = status

    def set_kinesis_stream(self, name, status):
        if status not in self.models.kinesis_stream_statuses:
            raise ValueError('Kinesis stream status must be one of %s' % sorted(self.models.kinesis_stream_statuses))
        with self.lock:
            stream = self.kinesis_streams.get(name)
            if stream is None:
                self.kinesis_streams[name] = KinesisStream(name, status)
            else:
                stream.status = status

    def begin_call(self, operation, service):
        """Counts an authenticated call and applies the faults injected for it: stalls before
        answering or raises the injected error; returns the seconds to stall after processing."""
        with self.lock:
            self.counters.calls[operation] += 1
        stall_before, stall_after, fault = self._take_faults(operation, service)
        if stall_before:
            time.sleep(stall_before)
        if fault:
            raise fault
        return stall_after

    def _take_faults(self, operation, service):
        """Consume this call's faults: (stall_before, stall_after, ApiError or None)."""
        with self.lock:
            f = self.faults
            if not f.applies(operation, service):
                return 0.0, 0.0, None
            stall_before = stall_after = 0.0
            if f.stall > 0 and f.stall_calls != 0:
                if f.stall_calls > 0:
                    f.stall_calls -= 1
                if f.stall_phase == 'after':
                    stall_after = f.stall
                else:
                    stall_before = f.stall
                self.counters.faults['stalled'] += 1
            error = None
            if f.error500 > 0:
                f.error500 -= 1
                self.counters.faults['error500'] += 1
                error = ApiError('InternalFailure', 'The request processing has failed because of '
                                 'an unknown error, exception or failure.', 500)
            elif f.throttle > 0:
                f.throttle -= 1
                self.counters.faults['throttled'] += 1
                if service == 'sts':
                    error = ApiError('Throttling', 'Rate exceeded', 400)
                elif service == 'kinesis':
                    # Kinesis answers a call over a shard's or the account's quota with HTTP 400.
                    error = ApiError('ProvisionedThroughputExceededException',
                                     'Rate exceeded for stream under account %s.' % self.config.account_id, 400)
                else:
                    # The Firehose model marks it a server fault: AWS answers 500, and SDKs retry it.
                    error = ApiError('ServiceUnavailableException', 'Slow down.', 500)
            return stall_before, stall_after, error

    def record_fails(self):
        """Decide (under self.lock) whether the next record fails."""
        f = self.faults
        if f.fail_records > 0:
            f.fail_records -= 1
            return True
        if f.fail_fraction > 0:
            f._acc += f.fail_fraction
            if f._acc >= 1.0 - 1e-9:
                f._acc -= 1.0
                return True
        return False

    def kinesis_record_error(self):
        """Under self.lock: the ErrorCode of the next Kinesis record when it fails, else None."""
        if not self.record_fails():
            return None
        f = self.faults
        if f.kinesis_record_error != 'alternate':
            return f.kinesis_record_error
        f._alternate += 1
        return RECORD_ERRORS[f._alternate % 2]

    def temp_credential(self, attr, session_name):
        """IMDS / ECS credentials: reused until half their lifetime is gone."""
        with self.lock:
            cred = getattr(self, attr)
            lifetime = self.config.credential_lifetime
            if cred is None or cred.expires - time.time() < lifetime / 2:
                role_arn = 'arn:aws:iam::%s:role/%s' % (self.config.account_id, self.config.imds_role)
                cred = self.store.issue(lifetime, role_arn, session_name, attr)
                setattr(self, attr, cred)
            return cred

    def write_object(self, stream, data):
        if self.config.out is None:
            return None
        now = utcnow()
        directory = os.path.join(self.config.out, now.strftime('%Y/%m/%d/%H'))
        os.makedirs(directory, exist_ok=True)
        name = '%s-1-%s-%s' % (stream, now.strftime('%Y-%m-%d-%H-%M-%S'), uuid.uuid4())
        tmp = os.path.join(directory, '.%s.tmp' % name)
        with open(tmp, 'wb') as fh:
            fh.write(data)
        final = os.path.join(directory, name)
        os.replace(tmp, final)
        return final


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _write_port_file(path, port):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as fh:
        fh.write('%d\n' % port)
    os.replace(tmp, path)


def _credential_arg(text):
    access_key, sep, secret = text.partition(':')
    if not sep or not access_key or not secret:
        raise argparse.ArgumentTypeError('expected ACCESS_KEY:SECRET')
    return access_key, secret


def _stream_arg(text):
    name, _, status = text.partition('=')
    return name, (status or 'ACTIVE')


def _kinesis_stream_arg(text):
    name, _, status = text.partition('=')
    return name, (status or 'ACTIVE')


def parse_args(argv):
    p = argparse.ArgumentParser(description='Local Firehose/STS/IMDS/ECS endpoint for tests.')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0, help='0 (default): a free port')
    p.add_argument('--port-file', help='write the port here once listening')
    p.add_argument('--admin-port-file',
                   help='also serve /_admin/ on a separate always-up port, written here')
    p.add_argument('--out', help='directory for delivered objects (default: not written)')
    p.add_argument('--credentials', action='append', type=_credential_arg, default=[],
                   metavar='AKID:SECRET', help='static access key/secret pair (repeatable)')
    p.add_argument('--stream', action='append', type=_stream_arg, default=[],
                   metavar='NAME[=STATUS]', help='delivery stream (repeatable; status default ACTIVE)')
    p.add_argument('--kinesis-stream', action='append', type=_kinesis_stream_arg, default=[],
                   metavar='NAME[=STATUS]', help='Kinesis data stream (repeatable; status default ACTIVE)')
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--account-id', default='123456789012')
    p.add_argument('--credential-lifetime', type=float, default=3600.0,
                   help='seconds every temporary credential (STS, IMDS, ECS) lives')
    p.add_argument('--web-identity-token',
                   help='token AssumeRoleWithWebIdentity must present (default: any non-empty)')
    p.add_argument('--imds-role', default='kinesyslog-test-role')
    p.add_argument('--ecs-path', default='/v2/credentials/kinesyslog-test')
    p.add_argument('--ecs-token', help='required Authorization header value for the ECS endpoint')
    p.add_argument('--max-skew', type=int, default=900, help='allowed clock skew of X-Amz-Date (s)')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    p.add_argument('--throttle', type=int, default=0, help='throttle the first N Firehose calls')
    p.add_argument('--error500', type=int, default=0, help='answer 500 to the first N Firehose calls')
    p.add_argument('--fail-fraction', type=float, default=0.0,
                   help='fail this fraction of records in RequestResponses')
    p.add_argument('--stall', type=float, default=0.0, help='stall every Firehose call S seconds')
    p.add_argument('--verbose', '-v', action='store_true')
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error('--tls-cert and --tls-key go together')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format='%(asctime)s firehose-endpoint %(levelname)s %(message)s')
    config = Config(host=args.host, port=args.port, out=args.out, region=args.region,
                    account_id=args.account_id, credentials=args.credentials,
                    streams=dict(args.stream), credential_lifetime=args.credential_lifetime,
                    web_identity_token=args.web_identity_token, imds_role=args.imds_role,
                    ecs_path=args.ecs_path, ecs_token=args.ecs_token, max_skew=args.max_skew,
                    tls_cert=args.tls_cert, tls_key=args.tls_key,
                    admin_port=0 if args.admin_port_file else None,
                    kinesis_streams=dict(args.kinesis_stream))
    endpoint = Endpoint(config)
    endpoint.faults.throttle = args.throttle
    endpoint.faults.error500 = args.error500
    endpoint.faults.fail_fraction = args.fail_fraction
    if args.stall:
        endpoint.faults.stall, endpoint.faults.stall_calls = args.stall, -1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    endpoint.start()
    if args.port_file:
        _write_port_file(args.port_file, endpoint.port)
    if args.admin_port_file:
        _write_port_file(args.admin_port_file, endpoint.admin_port)
    while not stop.wait(0.5):
        pass
    LOG.info('stopping')
    endpoint.stop()
    logging.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
