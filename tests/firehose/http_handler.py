"""The HTTP/1.1 request handler: body reading, answers, and dispatch by path and
headers to the Firehose, Kinesis, STS, IMDS/ECS and admin mixins."""

import http.server
import json
import logging
import ssl
import traceback
import urllib.parse

from admin_api import AdminApi
from firehose_api import FirehoseApi
from json_api import JsonApi
from kinesis_api import KinesisApi
from metadata_api import MetadataApi
from sts_api import StsApi

LOG = logging.getLogger('firehose-endpoint')

MAX_BODY_BYTES = 16 * 1024 * 1024       # HTTP bodies above this are refused (413)


class Handler(JsonApi, FirehoseApi, KinesisApi, StsApi, MetadataApi, AdminApi, http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Server'
    sys_version = ''
    timeout = 120    # idle keep-alive connections

    # -- plumbing ----------------------------------------------------------
    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        self.endpoint = self.server.endpoint
        self.endpoint.track(self.request, self.server)

    def finish(self):
        try:
            super().finish()
        finally:
            self.endpoint.untrack(self.request, self.server)

    def log_message(self, fmt, *args):
        LOG.debug('%s %s', self.address_string(), fmt % args)

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b''

    def send(self, status, body, content_type, headers=None):
        try:
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def send_json(self, status, obj, headers=None, content_type='application/json'):
        self.send(status, json.dumps(obj).encode(), content_type, headers)

    def send_text(self, status, text, headers=None):
        self.send(status, text.encode(), 'text/plain', headers)

    def count_error(self, err):
        with self.endpoint.lock:
            self.endpoint.counters.errors[err.code] += 1
            if err.counter == 'auth':
                self.endpoint.counters.auth_failures[err.code] += 1
                if err.code in ('InvalidSignatureException', 'SignatureDoesNotMatch'):
                    self.endpoint.counters.signature_failures += 1

    # -- dispatch ----------------------------------------------------------
    def do_GET(self):
        self.dispatch('GET')

    def do_PUT(self):
        self.dispatch('PUT')

    def do_POST(self):
        self.dispatch('POST')

    def do_DELETE(self):
        self.dispatch('DELETE')

    def dispatch(self, method):
        try:
            body = self.read_body()
            if body is None:
                self.close_connection = True
                self.send_text(413, 'Request entity too large')
                return
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith('/_admin/'):
                self.handle_admin(method, path, body)
            elif self.server.admin_only:
                self.send_text(404, 'Not found (admin port)')
            elif path.startswith('/latest/'):
                self.handle_imds(method, path)
            elif path == self.endpoint.config.ecs_path:
                self.handle_ecs(method)
            elif method == 'POST' and self.headers.get('X-Amz-Target', '').startswith('Kinesis_'):
                self.handle_json_call(body, 'kinesis')
            elif method == 'POST' and self.headers.get('X-Amz-Target') is not None:
                self.handle_json_call(body, 'firehose')
            elif method == 'POST' and path == '/':
                self.handle_sts(body)
            else:
                self.send_text(404, 'Not found')
        except Exception:   # keep the server alive; report as AWS would
            LOG.error('internal error:\n%s', traceback.format_exc())
            self.close_connection = True
            self.send_json(500, {'__type': 'InternalFailure', 'message': 'endpoint bug: see its log'})
