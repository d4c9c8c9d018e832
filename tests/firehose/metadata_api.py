"""EC2 IMDSv2 (``/latest/...``) and the ECS container credentials endpoint.
A mixin of the HTTP request handler."""

import base64
import secrets
import time

from sigv4_check import iso8601

IMDS_MAX_TOKEN_TTL = 21600


class MetadataApi:
    """``handle_imds`` and ``handle_ecs``."""

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
