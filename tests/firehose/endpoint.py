#!/usr/bin/python3
"""Local stand-in for AWS in kinesyslog's integration tests.

One threaded HTTP/1.1 server (keep-alive, loopback) that answers like:

* Kinesis Data Firehose (JSON 1.1): DescribeDeliveryStream, ListDeliveryStreams,
  PutRecordBatch, PutRecord.  Accepted records of one call are base64-decoded,
  concatenated and written as ONE object under
  ``<out>/YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>``, as Firehose
  writes S3 objects.
* STS (query protocol, XML): GetCallerIdentity, AssumeRole,
  AssumeRoleWithWebIdentity (unsigned; the token is checked).
* EC2 IMDSv2 under ``/latest/...`` and the ECS container credentials endpoint
  under ``--ecs-path``.
* An admin API under ``/_admin/...`` (faults, counters, configuration).

Every AWS request is authenticated by re-signing it with botocore's own
``SigV4Auth`` and every body is validated against botocore's own service
models (``botocore.loaders`` + ``botocore.model`` + ``ParamValidator``).

Standard library + botocore only.  Run with the system interpreter; see
README.md in this directory.
"""

import argparse
import base64
import binascii
import calendar
import collections
import datetime
import hashlib
import hmac
import http.server
import json
import logging
import os
import re
import secrets
import signal
import socket
import ssl
import string
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.loaders
import botocore.model
import botocore.validate

LOG = logging.getLogger('firehose-endpoint')

SIGV4_TIMESTAMP = '%Y%m%dT%H%M%SZ'
MAX_CALL_DATA_BYTES = 4 * 1024 * 1024   # PutRecordBatch: decoded record data per call
MAX_BODY_BYTES = 16 * 1024 * 1024       # HTTP bodies above this are refused (413)
IMDS_MAX_TOKEN_TTL = 21600
UNSIGNED_STS_ACTIONS = ('AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso8601(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def random_id(prefix, n=16, alphabet=string.ascii_uppercase + string.digits):
    return prefix + ''.join(secrets.choice(alphabet) for _ in range(n))


# ---------------------------------------------------------------------------
# Service models (from botocore itself)
# ---------------------------------------------------------------------------

class ServiceModels:
    """The Firehose and STS models shipped with botocore."""

    def __init__(self):
        loader = botocore.loaders.create_loader()
        self.firehose = botocore.model.ServiceModel(
            loader.load_service_model('firehose', 'service-2'), 'firehose')
        self.sts = botocore.model.ServiceModel(
            loader.load_service_model('sts', 'service-2'), 'sts')
        self.firehose_target_prefix = self.firehose.metadata['targetPrefix']
        self.stream_statuses = set(
            self.firehose.shape_for('DeliveryStreamStatus').enum)


class ApiError(Exception):
    """An error answered to the client in the service's own error shape."""

    def __init__(self, code, message, status=400, counter=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.counter = counter


def _aws_member_path(botocore_name):
    """'.Records[0].Data' -> 'records.1.member.data' (AWS's own notation)."""
    parts = []
    for field, index in re.findall(r'\.([^.\[\]]+)|\[(\d+)\]', botocore_name):
        if field:
            parts.append(field[:1].lower() + field[1:])
        else:
            parts.append('%d.member' % (int(index) + 1))
    return '.'.join(parts)


def _short(value, limit=120):
    text = repr(value) if not isinstance(value, str) else value
    if isinstance(value, (bytes, bytearray)):
        text = 'java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]' % (len(value), len(value))
    return text if len(text) <= limit else text[:limit] + '...'


def wire_to_params(value, shape, unknown, path=''):
    """Turn a JSON-protocol body into botocore parameters (blobs decoded).

    Unknown members are dropped and listed in ``unknown`` (AWS ignores them);
    JSON nulls count as absent.  Type mismatches are left in place for
    ParamValidator to report."""
    kind = shape.type_name
    if kind == 'structure' and isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if item is None:
                continue
            if name not in shape.members:
                unknown.append(path + '.' + name)
                continue
            out[name] = wire_to_params(item, shape.members[name], unknown, path + '.' + name)
        return out
    if kind == 'list' and isinstance(value, list):
        return [wire_to_params(v, shape.member, unknown, '%s[%d]' % (path, i))
                for i, v in enumerate(value)]
    if kind == 'map' and isinstance(value, dict):
        return {k: wire_to_params(v, shape.value, unknown, path + '.' + k)
                for k, v in value.items()}
    if kind == 'blob' and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError('SerializationException',
                           'Invalid base64: "%s"' % _short(value, 40)) from None
    if kind == 'timestamp' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return value


def _constraint_errors(params, shape, name, out):
    """max length/value, pattern and enum checks (botocore's validator only checks min)."""
    kind = shape.type_name
    meta = shape.metadata
    path = _aws_member_path(name)
    if kind == 'structure' and isinstance(params, dict):
        for member, value in params.items():
            if member in shape.members:
                _constraint_errors(value, shape.members[member], '%s.%s' % (name, member), out)
        return
    if kind == 'list' and isinstance(params, (list, tuple)):
        if 'max' in meta and len(params) > meta['max']:
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                       "length less than or equal to %d" % (_short(params), path, meta['max']))
        for i, value in enumerate(params):
            _constraint_errors(value, shape.member, '%s[%d]' % (name, i), out)
        return
    if kind == 'map' and isinstance(params, dict):
        if 'max' in meta and len(params) > meta['max']:
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                       "length less than or equal to %d" % (_short(params), path, meta['max']))
        for key, value in params.items():
            _constraint_errors(value, shape.value, '%s.%s' % (name, key), out)
        return
    if kind in ('string', 'blob') and isinstance(params, (str, bytes, bytearray)):
        if 'max' in meta and len(params) > meta['max']:
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                       "length less than or equal to %d" % (_short(params), path, meta['max']))
        if kind == 'string' and isinstance(params, str):
            if shape.enum and params not in shape.enum:
                out.append("Value '%s' at '%s' failed to satisfy constraint: Member must "
                           "satisfy enum value set: [%s]" % (_short(params), path, ', '.join(shape.enum)))
            pattern = meta.get('pattern')
            if pattern:
                try:
                    ok = re.fullmatch(pattern, params, re.DOTALL) is not None
                except re.error:
                    ok = True   # a Java-only construct: do not guess
                if not ok:
                    out.append("Value '%s' at '%s' failed to satisfy constraint: Member must "
                               "satisfy regular expression pattern: %s" % (_short(params), path, pattern))
        return
    if kind in ('integer', 'long', 'double', 'float') and isinstance(params, (int, float)):
        if 'max' in meta and params > meta['max']:
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                       "value less than or equal to %s" % (params, path, meta['max']))


def validate_params(params, shape, validation_code='ValidationException'):
    """Validate with botocore's ParamValidator plus max/pattern checks.

    Raises ApiError: SerializationException for wrong types (as AWS's JSON
    services do), ``validation_code`` for constraint violations."""
    report = botocore.validate.ParamValidator().validate(params, shape)
    messages = []
    if report.has_errors():
        errors = getattr(report, '_errors', None)
        if errors is None:   # pragma: no cover - botocore without the private list
            raise ApiError(validation_code, report.generate_report())
        for reason, name, extra in errors:
            path = _aws_member_path(name)
            if reason == 'invalid type':
                raise ApiError('SerializationException' if validation_code == 'ValidationException'
                               else validation_code,
                               'Unexpected value type at %s: %s' % (path or 'input', _short(extra.get('param'))))
            if reason == 'missing required field':
                member = extra['required_name']
                full = (path + '.' if path else '') + member[:1].lower() + member[1:]
                messages.append("Value null at '%s' failed to satisfy constraint: "
                                "Member must not be null" % full)
            elif reason == 'invalid length':
                messages.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                                "length greater than or equal to %s"
                                % (_short(extra['param']), path, extra['min_allowed']))
            elif reason == 'invalid range':
                messages.append("Value '%s' at '%s' failed to satisfy constraint: Member must have "
                                "value greater than or equal to %s"
                                % (extra['param'], path, extra['min_allowed']))
            else:
                messages.append(report._format_error((reason, name, extra)))
    _constraint_errors(params, shape, '', messages)
    if messages:
        raise ApiError(validation_code, '%d validation error%s detected: %s'
                       % (len(messages), '' if len(messages) == 1 else 's', '; '.join(messages)))


# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------

class Credential:
    def __init__(self, access_key, secret_key, token=None, expires=None,
                 arn=None, user_id=None, source='static'):
        self.access_key = access_key
        self.secret_key = secret_key
        self.token = token
        self.expires = expires
        self.arn = arn
        self.user_id = user_id
        self.source = source

    def expired(self, now=None):
        return self.expires is not None and (now or time.time()) >= self.expires

    def as_json(self):
        return {'AccessKeyId': self.access_key, 'SecretAccessKey': self.secret_key,
                'Token': self.token, 'Expiration': iso8601(self.expires)}


class CredentialStore:
    def __init__(self, account_id):
        self._lock = threading.Lock()
        self._by_key = {}
        self.account_id = account_id

    def add_static(self, access_key, secret_key):
        user = 'kinesyslog-test'
        cred = Credential(access_key, secret_key,
                          arn='arn:aws:iam::%s:user/%s' % (self.account_id, user),
                          user_id='AIDA' + hashlib.sha256(access_key.encode()).hexdigest()[:17].upper())
        with self._lock:
            self._by_key[access_key] = cred
        return cred

    def issue(self, lifetime, role_arn, session_name, source):
        role_name = role_arn.rsplit('/', 1)[-1] if '/' in role_arn else role_arn
        role_id = 'AROA' + hashlib.sha256(role_arn.encode()).hexdigest()[:17].upper()
        cred = Credential(
            random_id('ASIA'),
            base64.b64encode(secrets.token_bytes(30)).decode(),
            token=base64.b64encode(secrets.token_bytes(96)).decode(),
            expires=float(int(time.time() + lifetime)),   # whole seconds, as advertised
            arn='arn:aws:sts::%s:assumed-role/%s/%s' % (self.account_id, role_name, session_name),
            user_id='%s:%s' % (role_id, session_name),
            source=source)
        with self._lock:
            self._by_key[cred.access_key] = cred
        return cred

    def lookup(self, access_key):
        with self._lock:
            return self._by_key.get(access_key)

    def expire(self, access_key=None):
        """Expire one temporary credential, or all of them; returns how many."""
        n = 0
        with self._lock:
            for cred in self._by_key.values():
                if cred.token and (access_key is None or cred.access_key == access_key):
                    cred.expires = min(cred.expires, time.time() - 1)
                    n += 1
        return n


# Error codes per service dialect for each authentication failure kind.
AUTH_ERRORS = {
    'json': {
        'missing': ('MissingAuthenticationTokenException', 403),
        'incomplete': ('IncompleteSignatureException', 400),
        'unrecognized': ('UnrecognizedClientException', 400),
        'signature': ('InvalidSignatureException', 400),
        'expired': ('ExpiredTokenException', 400),
    },
    'query': {
        'missing': ('MissingAuthenticationToken', 403),
        'incomplete': ('IncompleteSignature', 400),
        'unrecognized': ('InvalidClientTokenId', 403),
        'signature': ('SignatureDoesNotMatch', 403),
        'expired': ('ExpiredToken', 400),
    },
}


class AuthFailure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def api_error(self, dialect):
        code, status = AUTH_ERRORS[dialect][self.kind]
        return ApiError(code, self.message, status, counter='auth')


class _ReSigner(botocore.auth.SigV4Auth):
    """botocore's SigV4 signer, signing exactly the headers the client listed."""

    def __init__(self, credentials, service_name, region_name, signed_headers):
        super().__init__(credentials, service_name, region_name)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request):
        header_map = botocore.awsrequest.HTTPHeaders()
        for name in self._signed_headers:
            for value in request.headers.get_all(name) or []:
                header_map[name] = value
        return header_map


class SigV4Verifier:
    def __init__(self, store, max_skew):
        self.store = store
        self.max_skew = max_skew

    def verify(self, method, raw_path, headers, body, scheme, service, regions):
        """Return the Credential that signed the request or raise AuthFailure."""
        auth = headers.get('Authorization')
        if not auth:
            raise AuthFailure('missing', 'Missing Authentication Token')
        algorithm, _, rest = auth.strip().partition(' ')
        if algorithm != 'AWS4-HMAC-SHA256':
            raise AuthFailure('incomplete', "Unsupported authorization algorithm '%s'" % algorithm)
        fields = {}
        for part in rest.split(','):
            key, eq, value = part.strip().partition('=')
            if eq:
                fields[key] = value
        for key in ('Credential', 'SignedHeaders', 'Signature'):
            if key not in fields:
                raise AuthFailure('incomplete', "Authorization header requires '%s' parameter. "
                                  "Authorization=%s" % (key, auth))
        scope = fields['Credential'].split('/')
        if len(scope) != 5 or scope[4] != 'aws4_request':
            raise AuthFailure('incomplete', "Credential should be scoped to a valid region/"
                              "service and end with 'aws4_request': '%s'" % fields['Credential'])
        access_key, scope_date, scope_region, scope_service, _ = scope
        amz_date = headers.get('X-Amz-Date')
        if not amz_date:
            raise AuthFailure('incomplete', "Authorization header requires existence of either "
                              "a 'X-Amz-Date' or a 'Date' header. Authorization=%s" % auth)
        try:
            signed_at = calendar.timegm(time.strptime(amz_date, SIGV4_TIMESTAMP))
        except ValueError:
            raise AuthFailure('incomplete', "Invalid X-Amz-Date '%s'" % amz_date) from None

        cred = self.store.lookup(access_key)
        if cred is None:
            raise AuthFailure('unrecognized', 'The security token included in the request is invalid.')
        token = headers.get('X-Amz-Security-Token')
        if (cred.token or token) and token != cred.token:
            raise AuthFailure('unrecognized', 'The security token included in the request is invalid.')
        if cred.expired():
            raise AuthFailure('expired', 'The security token included in the request is expired')

        signed_headers = [h for h in fields['SignedHeaders'].lower().split(';') if h]
        if 'host' not in signed_headers:
            raise AuthFailure('signature', "'Host' or ':authority' must be a 'SignedHeader' "
                              "in the AWS Authorization.")
        if scope_date != amz_date[:8]:
            raise AuthFailure('signature', "Date in Credential scope does not match YYYYMMDD from "
                              "ISO-8601 version of date from HTTP: '%s' != '%s', from 'X-Amz-Date'."
                              % (scope_date, amz_date[:8]))
        if scope_region not in regions:
            raise AuthFailure('signature', "Credential should be scoped to a valid region, not "
                              "'%s'. " % scope_region)
        if scope_service != service:
            raise AuthFailure('signature', "Credential should be scoped to correct service: "
                              "'%s'. " % service)
        now = time.time()
        if abs(now - signed_at) > self.max_skew:
            raise AuthFailure('signature', 'Signature expired: %s is now earlier than %s (%s - %d min.)'
                              % (amz_date, time.strftime(SIGV4_TIMESTAMP, time.gmtime(now - self.max_skew)),
                                 time.strftime(SIGV4_TIMESTAMP, time.gmtime(now)), self.max_skew // 60)
                              if signed_at < now else
                              'Signature not yet current: %s is still later than %s (%s + %d min.)'
                              % (amz_date, time.strftime(SIGV4_TIMESTAMP, time.gmtime(now + self.max_skew)),
                                 time.strftime(SIGV4_TIMESTAMP, time.gmtime(now)), self.max_skew // 60))
        declared_hash = headers.get('X-Amz-Content-SHA256')
        if declared_hash is not None and declared_hash != hashlib.sha256(body).hexdigest():
            raise AuthFailure('signature', "The provided 'x-amz-content-sha256' header does not "
                              "match what was computed.")

        # Re-sign the same request with botocore.
        request = botocore.awsrequest.AWSRequest(
            method=method, url='%s://%s%s' % (scheme, headers.get('Host', ''), raw_path), data=body)
        for name, value in headers.items():
            if name.lower() in signed_headers:
                request.headers[name] = value
        request.context['timestamp'] = amz_date
        signer = _ReSigner(botocore.credentials.Credentials(cred.access_key, cred.secret_key, cred.token),
                           scope_service, scope_region, signed_headers)
        canonical = signer.canonical_request(request)
        to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(to_sign, request)
        if not hmac.compare_digest(expected, fields['Signature']):
            raise AuthFailure('signature', 'The request signature we calculated does not match the '
                              'signature you provided. Check your AWS Secret Access Key and signing '
                              'method. Consult the service documentation for details.\n\n'
                              "The Canonical String for this request should have been\n'%s'\n\n"
                              "The String-to-Sign should have been\n'%s'\n" % (canonical, to_sign))
        return cred


# ---------------------------------------------------------------------------
# Faults and counters
# ---------------------------------------------------------------------------

class Faults:
    FIELDS = ('throttle', 'error500', 'fail_fraction', 'fail_records', 'stall',
              'stall_calls', 'stall_phase', 'operations')

    def __init__(self):
        self.clear()

    def clear(self):
        self.throttle = 0          # next N calls: ServiceUnavailableException (HTTP 400)
        self.error500 = 0          # next N calls: HTTP 500 InternalFailure
        self.fail_fraction = 0.0   # fraction of records failed in RequestResponses
        self.fail_records = 0      # next N records failed in RequestResponses
        self.stall = 0.0           # seconds to wait before answering ...
        self.stall_calls = 0       # ... the next N calls (-1: every call until cleared)
        self.stall_phase = 'before'  # 'before' processing, or 'after' (records written)
        self.operations = None     # None: every Firehose operation; else a list of op names
        self._acc = 0.0

    def as_json(self):
        return {k: getattr(self, k) for k in self.FIELDS}

    def applies(self, operation, service):
        if self.operations is None:
            return service == 'firehose'
        return operation in self.operations


class Counters:
    def __init__(self):
        self.reset()

    def reset(self):
        self.calls = collections.Counter()
        self.errors = collections.Counter()
        self.auth_failures = collections.Counter()
        self.faults = collections.Counter()
        self.streams = collections.defaultdict(collections.Counter)
        self.records_accepted = 0
        self.records_failed = 0
        self.bytes_accepted = 0
        self.objects_written = 0
        self.signature_failures = 0
        self.unknown_members = 0

    def as_json(self):
        return {
            'calls': dict(self.calls),
            'records_accepted': self.records_accepted,
            'records_failed': self.records_failed,
            'bytes_accepted': self.bytes_accepted,
            'objects_written': self.objects_written,
            'signature_failures': self.signature_failures,
            'auth_failures': dict(self.auth_failures),
            'errors': dict(self.errors),
            'faults': dict(self.faults),
            'unknown_members': self.unknown_members,
            'streams': {k: dict(v) for k, v in self.streams.items()},
        }


# ---------------------------------------------------------------------------
# Configuration / shared state
# ---------------------------------------------------------------------------

class Config:
    def __init__(self, host='127.0.0.1', port=0, out=None, region='us-east-1',
                 account_id='123456789012', credentials=(), streams=None,
                 credential_lifetime=3600.0, web_identity_token=None,
                 imds_role='kinesyslog-test-role', ecs_path='/v2/credentials/kinesyslog-test',
                 ecs_token=None, max_skew=900, tls_cert=None, tls_key=None, admin_port=None):
        self.host = host
        self.port = port
        self.out = out
        self.region = region
        self.account_id = account_id
        self.credentials = list(credentials)          # [(access_key, secret)]
        self.streams = dict(streams or {})            # name -> status
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

    def take_faults(self, operation, service):
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
                else:
                    error = ApiError('ServiceUnavailableException', 'Slow down.', 400)
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
# HTTP handler
# ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
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

    def send_json_error(self, err, request_id):
        self.count_error(err)
        self.send_json(err.status, {'__type': err.code, 'message': err.message},
                       {'x-amzn-RequestId': request_id, 'x-amzn-ErrorType': '%s:' % err.code},
                       'application/x-amz-json-1.1')

    def send_query_error(self, err, request_id):
        self.count_error(err)
        kind = 'Receiver' if err.status >= 500 else 'Sender'
        xml = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
               '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
               % (STS_NS, kind, xml_escape(err.code), xml_escape(err.message), request_id))
        self.send(err.status, xml.encode(), 'text/xml', {'x-amzn-RequestId': request_id})

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
            elif method == 'POST' and self.headers.get('X-Amz-Target') is not None:
                self.handle_firehose(body)
            elif method == 'POST' and path == '/':
                self.handle_sts(body)
            else:
                self.send_text(404, 'Not found')
        except Exception:   # keep the server alive; report as AWS would
            LOG.error('internal error:\n%s', traceback.format_exc())
            self.close_connection = True
            self.send_json(500, {'__type': 'InternalFailure', 'message': 'endpoint bug: see its log'})

    # -- Firehose ----------------------------------------------------------
    def handle_firehose(self, body):
        ep = self.endpoint
        request_id = str(uuid.uuid4())
        try:
            try:
                ep.verifier.verify('POST', self.path, self.headers, body, ep.scheme,
                                   'firehose', (ep.config.region,))
            except AuthFailure as failure:
                raise failure.api_error('json') from None
            target = self.headers['X-Amz-Target']
            prefix, _, op_name = target.partition('.')
            if prefix != ep.models.firehose_target_prefix or op_name not in ep.models.firehose.operation_names:
                raise ApiError('UnknownOperationException', 'Unknown operation %s' % target)
            with ep.lock:
                ep.counters.calls[op_name] += 1
            stall_before, stall_after, fault = ep.take_faults(op_name, 'firehose')
            if stall_before:
                time.sleep(stall_before)
            if fault:
                raise fault
            content_type = self.headers.get('Content-Type', '')
            if not content_type.startswith('application/x-amz-json-1.1'):
                raise ApiError('SerializationException',
                               "Content-Type must be 'application/x-amz-json-1.1', got '%s'" % content_type)
            op_model = ep.models.firehose.operation_model(op_name)
            try:
                wire = json.loads(body.decode('utf-8')) if body else {}
            except (UnicodeDecodeError, ValueError) as exc:
                raise ApiError('SerializationException', 'Malformed JSON body: %s' % exc) from None
            if not isinstance(wire, dict):
                raise ApiError('SerializationException', 'Start of structure or map expected')
            unknown = []
            params = wire_to_params(wire, op_model.input_shape, unknown)
            if unknown:
                LOG.warning('%s: unknown members ignored: %s', op_name, ', '.join(unknown))
                with ep.lock:
                    ep.counters.unknown_members += len(unknown)
            validate_params(params, op_model.input_shape)
            handler = getattr(self, 'firehose_' + op_name, None)
            if handler is None:
                raise ApiError('UnknownOperationException',
                               '%s is not implemented by the test endpoint' % op_name)
            result = handler(params)
            if stall_after:
                time.sleep(stall_after)
            self.send_json(200, result, {'x-amzn-RequestId': request_id}, 'application/x-amz-json-1.1')
        except ApiError as err:
            self.send_json_error(err, request_id)

    def _stream(self, name, need_active):
        ep = self.endpoint
        with ep.lock:
            stream = ep.streams.get(name)
        if stream is None:
            raise ApiError('ResourceNotFoundException', 'Firehose %s under account %s not found.'
                           % (name, ep.config.account_id))
        if need_active and stream.status != 'ACTIVE':
            raise ApiError('ResourceNotFoundException', 'Firehose %s under account %s is not '
                           'ACTIVE (status %s).' % (name, ep.config.account_id, stream.status))
        return stream

    def firehose_DescribeDeliveryStream(self, params):
        ep = self.endpoint
        stream = self._stream(params['DeliveryStreamName'], need_active=False)
        acct = ep.config.account_id
        return {'DeliveryStreamDescription': {
            'DeliveryStreamName': stream.name,
            'DeliveryStreamARN': 'arn:aws:firehose:%s:%s:deliverystream/%s' % (ep.config.region, acct, stream.name),
            'DeliveryStreamStatus': stream.status,
            'DeliveryStreamEncryptionConfiguration': {'Status': 'DISABLED'},
            'DeliveryStreamType': 'DirectPut',
            'VersionId': '1',
            'CreateTimestamp': stream.created,
            'Destinations': [{
                'DestinationId': 'destinationId-000000000001',
                'S3DestinationDescription': {
                    'RoleARN': 'arn:aws:iam::%s:role/firehose-delivery-role' % acct,
                    'BucketARN': 'arn:aws:s3:::kinesyslog-test',
                    'Prefix': '',
                    'BufferingHints': {'SizeInMBs': 5, 'IntervalInSeconds': 300},
                    'CompressionFormat': 'UNCOMPRESSED',
                    'EncryptionConfiguration': {'NoEncryptionConfig': 'NoEncryption'},
                    'CloudWatchLoggingOptions': {'Enabled': False},
                },
            }],
            'HasMoreDestinations': False,
        }}

    def firehose_ListDeliveryStreams(self, params):
        with self.endpoint.lock:
            names = sorted(self.endpoint.streams)
        return {'DeliveryStreamNames': names, 'HasMoreDeliveryStreams': False}

    def _put(self, stream_name, records):
        ep = self.endpoint
        stream = self._stream(stream_name, need_active=True)
        total = sum(len(r['Data']) for r in records)
        if total > MAX_CALL_DATA_BYTES:
            raise ApiError('InvalidArgumentException', 'Records size exceeds %d bytes (4 MiB) limit: %d'
                           % (MAX_CALL_DATA_BYTES, total))
        responses, accepted = [], []
        with ep.lock:
            for record in records:
                if ep.record_fails():
                    responses.append({'ErrorCode': 'ServiceUnavailableException', 'ErrorMessage': 'Slow down.'})
                else:
                    responses.append({'RecordId': base64.b64encode(secrets.token_bytes(168)).decode()})
                    accepted.append(record['Data'])
        data = b''.join(accepted)
        if accepted:
            ep.write_object(stream.name, data)
        failed = len(records) - len(accepted)
        with ep.lock:
            c = ep.counters
            c.records_accepted += len(accepted)
            c.records_failed += failed
            if failed:
                c.faults['records_failed'] += failed
            c.bytes_accepted += len(data)
            s = c.streams[stream.name]
            s['records'] += len(accepted)
            s['bytes'] += len(data)
            if accepted:
                s['objects'] += 1
                c.objects_written += 1
        return responses, failed

    def firehose_PutRecordBatch(self, params):
        responses, failed = self._put(params['DeliveryStreamName'], params['Records'])
        return {'FailedPutCount': failed, 'Encrypted': False, 'RequestResponses': responses}

    def firehose_PutRecord(self, params):
        responses, failed = self._put(params['DeliveryStreamName'], [params['Record']])
        if failed:
            raise ApiError('ServiceUnavailableException', 'Slow down.')
        return {'RecordId': responses[0]['RecordId'], 'Encrypted': False}

    # -- STS ---------------------------------------------------------------
    def handle_sts(self, body):
        ep = self.endpoint
        request_id = str(uuid.uuid4())
        try:
            try:
                form = urllib.parse.parse_qs(body.decode('utf-8'), keep_blank_values=True,
                                             strict_parsing=False)
            except UnicodeDecodeError:
                raise ApiError('MalformedQueryString', 'Request body is not UTF-8') from None
            form = {k: v[0] for k, v in form.items()}
            action = form.pop('Action', None)
            version = form.pop('Version', None)
            if not action:
                raise ApiError('MissingAction', 'Missing Action')
            if action not in ep.models.sts.operation_names:
                raise ApiError('InvalidAction', 'Could not find operation %s for version %s' % (action, version))
            if version != ep.models.sts.api_version:
                raise ApiError('InvalidAction', 'Could not find operation %s for version %s' % (action, version))
            op_model = ep.models.sts.operation_model(action)
            caller = None
            # botocore sends these two unsigned (a handler, not the model, says so).
            if op_model.auth_type != 'none' and action not in UNSIGNED_STS_ACTIONS:
                try:
                    caller = ep.verifier.verify('POST', self.path, self.headers, body, ep.scheme,
                                                'sts', (ep.config.region, 'us-east-1'))
                except AuthFailure as failure:
                    raise failure.api_error('query') from None
            with ep.lock:
                ep.counters.calls[action] += 1
            stall_before, stall_after, fault = ep.take_faults(action, 'sts')
            if stall_before:
                time.sleep(stall_before)
            if fault:
                raise fault
            params = {}
            shape = op_model.input_shape
            for name, member in (shape.members.items() if shape else ()):
                if name in form and member.type_name not in ('list', 'structure', 'map'):
                    value = form[name]
                    if member.type_name in ('integer', 'long'):
                        try:
                            value = int(value)
                        except ValueError:
                            pass
                    params[name] = value
            if shape is not None:
                validate_params(params, shape, validation_code='ValidationError')
            handler = getattr(self, 'sts_' + action, None)
            if handler is None:
                raise ApiError('InvalidAction', '%s is not implemented by the test endpoint' % action)
            result = handler(params, caller)
            if stall_after:
                time.sleep(stall_after)
            xml = ('<{0}Response xmlns="{1}">\n  <{0}Result>\n{2}  </{0}Result>\n'
                   '  <ResponseMetadata>\n    <RequestId>{3}</RequestId>\n  </ResponseMetadata>\n'
                   '</{0}Response>\n').format(action, STS_NS, result, request_id)
            self.send(200, xml.encode(), 'text/xml', {'x-amzn-RequestId': request_id})
        except ApiError as err:
            self.send_query_error(err, request_id)

    @staticmethod
    def _xml(fields, indent='    '):
        out = []
        for key, value in fields:
            if isinstance(value, list):
                out.append('%s<%s>\n%s%s</%s>\n' % (indent, key, Handler._xml(value, indent + '  '), indent, key))
            else:
                out.append('%s<%s>%s</%s>\n' % (indent, key, xml_escape(str(value)), key))
        return ''.join(out)

    def _issue_role(self, params, source):
        ep = self.endpoint
        cred = ep.store.issue(ep.config.credential_lifetime, params['RoleArn'],
                              params['RoleSessionName'], source)
        user = [('AssumedRoleId', cred.user_id), ('Arn', cred.arn)]
        creds = [('AccessKeyId', cred.access_key), ('SecretAccessKey', cred.secret_key),
                 ('SessionToken', cred.token), ('Expiration', iso8601(cred.expires))]
        return user, creds

    def sts_GetCallerIdentity(self, params, caller):
        return self._xml([('Arn', caller.arn), ('UserId', caller.user_id),
                          ('Account', self.endpoint.config.account_id)])

    def sts_AssumeRole(self, params, caller):
        user, creds = self._issue_role(params, 'AssumeRole')
        return self._xml([('AssumedRoleUser', user), ('Credentials', creds)])

    def sts_AssumeRoleWithWebIdentity(self, params, caller):
        expected = self.endpoint.config.web_identity_token
        token = params['WebIdentityToken']
        if expected is not None and not hmac.compare_digest(token.encode(), expected.encode()):
            raise ApiError('InvalidIdentityToken', 'The web identity token that was passed could '
                           'not be validated by AWS. Get a new identity token from the identity '
                           'provider and then retry the request.')
        user, creds = self._issue_role(params, 'AssumeRoleWithWebIdentity')
        return self._xml([('SubjectFromWebIdentityToken', 'system:serviceaccount:kinesyslog:relay'),
                          ('Audience', 'sts.amazonaws.com'), ('AssumedRoleUser', user),
                          ('Credentials', creds),
                          ('Provider', 'arn:aws:iam::%s:oidc-provider/kinesyslog.test'
                           % self.endpoint.config.account_id)])

    # -- IMDSv2 ------------------------------------------------------------
    def handle_imds(self, method, path):
        ep = self.endpoint
        with ep.lock:
            ep.counters.calls['imds'] += 1
        if path == '/latest/api/token':
            if method != 'PUT':
                self.send_text(405, 'Method Not Allowed')
                return
            if self.headers.get('X-Forwarded-For') is not None:
                self.send_text(403, 'Forbidden')
                return
            try:
                ttl = int(self.headers.get('X-aws-ec2-metadata-token-ttl-seconds', ''))
            except ValueError:
                ttl = 0
            if not 1 <= ttl <= IMDS_MAX_TOKEN_TTL:
                self.send_text(400, 'Bad Request')
                return
            token = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
            with ep.lock:
                now = time.time()
                for old in [t for t, exp in ep.imds_tokens.items() if exp <= now]:
                    del ep.imds_tokens[old]
                ep.imds_tokens[token] = now + ttl
            self.send_text(200, token, {'X-aws-ec2-metadata-token-ttl-seconds': str(ttl)})
            return
        if method != 'GET':
            self.send_text(405, 'Method Not Allowed')
            return
        token = self.headers.get('X-aws-ec2-metadata-token')
        with ep.lock:
            valid = token is not None and ep.imds_tokens.get(token, 0) > time.time()
            if not valid:
                ep.counters.errors['imds_unauthorized'] += 1
        if not valid:
            self.send_text(401, 'Unauthorized')
            return
        role = ep.config.imds_role
        prefix = '/latest/meta-data/iam/security-credentials/'
        if path in (prefix, prefix[:-1]):
            self.send_text(200, role)
        elif path == prefix + role:
            cred = ep.temp_credential('imds_cred', 'i-0123456789abcdef0')
            body = dict(Code='Success', LastUpdated=iso8601(time.time()), Type='AWS-HMAC')
            body.update(cred.as_json())
            self.send_json(200, body, content_type='text/plain')
        elif path == '/latest/dynamic/instance-identity/document':
            region = ep.config.region
            self.send_json(200, {
                'accountId': ep.config.account_id, 'architecture': 'x86_64',
                'availabilityZone': region + 'a', 'imageId': 'ami-0123456789abcdef0',
                'instanceId': 'i-0123456789abcdef0', 'instanceType': 't3.micro',
                'pendingTime': '2024-01-01T00:00:00Z', 'privateIp': '10.0.0.1',
                'region': region, 'version': '2017-09-30'}, content_type='text/plain')
        elif path.rstrip('/') == '/latest/meta-data/placement/availability-zone':
            self.send_text(200, ep.config.region + 'a')
        elif path == '/latest/meta-data/placement/region':
            self.send_text(200, ep.config.region)
        elif path == '/latest/meta-data/instance-id':
            self.send_text(200, 'i-0123456789abcdef0')
        else:
            self.send_text(404, 'Not Found')

    # -- ECS container credentials -----------------------------------------
    def handle_ecs(self, method):
        ep = self.endpoint
        with ep.lock:
            ep.counters.calls['ecs'] += 1
        if method != 'GET':
            self.send_text(405, 'Method Not Allowed')
            return
        expected = ep.config.ecs_token
        if expected is not None and self.headers.get('Authorization') != expected:
            with ep.lock:
                ep.counters.errors['ecs_unauthorized'] += 1
            self.send_json(401, {'code': 'AccessDeniedException',
                                 'message': 'Authorization header missing or invalid'})
            return
        cred = ep.temp_credential('ecs_cred', 'ecs-task')
        body = cred.as_json()
        body['RoleArn'] = 'arn:aws:iam::%s:role/%s' % (ep.config.account_id, ep.config.imds_role)
        self.send_json(200, body)

    # -- admin -------------------------------------------------------------
    def handle_admin(self, method, path, body):
        ep = self.endpoint
        try:
            data = json.loads(body.decode('utf-8')) if body.strip() else {}
        except ValueError as exc:
            self.send_json(400, {'error': 'bad JSON: %s' % exc})
            return
        if method == 'POST' and not isinstance(data, dict):
            self.send_json(400, {'error': 'expected a JSON object'})
            return
        try:
            if path == '/_admin/counters' and method == 'GET':
                with ep.lock:
                    self.send_json(200, ep.counters.as_json())
            elif path == '/_admin/faults' and method == 'GET':
                with ep.lock:
                    state = ep.faults.as_json()
                state['down'] = ep.down
                self.send_json(200, state)
            elif path == '/_admin/faults' and method == 'POST':
                self.admin_faults(data)
            elif path == '/_admin/reset' and method == 'POST':
                with ep.lock:
                    if data.get('counters', True):
                        ep.counters.reset()
                    if data.get('faults', True):
                        ep.faults.clear()
                self.send_json(200, {'ok': True})
            elif path == '/_admin/streams' and method == 'GET':
                with ep.lock:
                    self.send_json(200, {n: s.status for n, s in ep.streams.items()})
            elif path == '/_admin/streams' and method == 'POST':
                for name, status in data.items():
                    if status is None:
                        with ep.lock:
                            ep.streams.pop(name, None)
                    else:
                        ep.set_stream(name, status)
                self.send_json(200, {'ok': True})
            elif path == '/_admin/credentials' and method == 'POST':
                for access_key, secret in data.items():
                    ep.store.add_static(access_key, secret)
                self.send_json(200, {'ok': True})
            elif path == '/_admin/expire' and method == 'POST':
                n = ep.store.expire(data.get('access_key'))
                self.send_json(200, {'expired': n})
            elif path == '/_admin/config' and method == 'GET':
                self.send_json(200, {'credential_lifetime': ep.config.credential_lifetime,
                                     'account_id': ep.config.account_id,
                                     'region': ep.config.region, 'out': ep.config.out,
                                     'port': ep.port, 'admin_port': ep.admin_port})
            elif path == '/_admin/config' and method == 'POST':
                if 'credential_lifetime' in data:
                    ep.config.credential_lifetime = float(data['credential_lifetime'])
                if 'web_identity_token' in data:
                    ep.config.web_identity_token = data['web_identity_token']
                self.send_json(200, {'ok': True})
            else:
                self.send_json(404, {'error': 'unknown admin path %s %s' % (method, path)})
        except (ValueError, TypeError, KeyError) as exc:
            self.send_json(400, {'error': str(exc)})

    def admin_faults(self, data):
        ep = self.endpoint
        unknown = set(data) - set(Faults.FIELDS) - {'clear', 'down', 'up'}
        if unknown:
            raise ValueError('unknown fault fields: %s' % ', '.join(sorted(unknown)))
        with ep.lock:
            f = ep.faults
            if data.get('clear'):
                f.clear()
            for key in ('throttle', 'error500', 'fail_records', 'stall_calls'):
                if key in data:
                    setattr(f, key, int(data[key]))
            if 'fail_fraction' in data:
                fraction = float(data['fail_fraction'])
                if not 0.0 <= fraction <= 1.0:
                    raise ValueError('fail_fraction must be within [0, 1]')
                f.fail_fraction = fraction
                f._acc = 0.0
            if 'stall' in data:
                f.stall = float(data['stall'])
                if 'stall_calls' not in data:
                    f.stall_calls = 1
            if 'stall_phase' in data:
                if data['stall_phase'] not in ('before', 'after'):
                    raise ValueError("stall_phase must be 'before' or 'after'")
                f.stall_phase = data['stall_phase']
            if 'operations' in data:
                ops = data['operations']
                f.operations = None if ops is None else [str(o) for o in ops]
            state = f.as_json()
        if data.get('up'):
            ep.come_up()
        down = data.get('down')
        if down is not None and down is not False:
            seconds = None if down is True else float(down)
            if seconds is None and not self.server.admin_only:
                raise ValueError('"down": true needs the separate admin port (--admin-port-file); '
                                 'give a number of seconds instead')
            self.close_connection = True
            ep.go_down(seconds, except_sock=self.request)
        state['down'] = ep.down
        self.send_json(200, state)


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
                    admin_port=0 if args.admin_port_file else None)
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
