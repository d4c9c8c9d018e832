"""Credentials the endpoint knows, and SigV4 verification by re-signing with botocore.

``CredentialStore`` holds static keys and issued temporary credentials;
``SigV4Verifier.verify`` returns the ``Credential`` that signed a request or raises
``AuthFailure``, which ``api_error`` turns into the JSON or query dialect's error.
"""

import base64
import calendar
import hashlib
import hmac
import secrets
import string
import threading
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from aws_model import ApiError

SIGV4_TIMESTAMP = '%Y%m%dT%H%M%SZ'


def iso8601(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def random_id(prefix, n=16, alphabet=string.ascii_uppercase + string.digits):
    return prefix + ''.join(secrets.choice(alphabet) for _ in range(n))


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
