"""The admin API under ``/_admin/`` (counters, faults, Firehose and Kinesis streams,
Kinesis records, credentials, config).  A mixin of the HTTP request handler."""

import base64
import json
import urllib.parse

from faults import Faults


class AdminApi:
    """``handle_admin`` and ``admin_faults``."""

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
            elif path == '/_admin/kinesis-streams' and method == 'GET':
                with ep.lock:
                    self.send_json(200, {n: s.status for n, s in ep.kinesis_streams.items()})
            elif path == '/_admin/kinesis-streams' and method == 'POST':
                for name, status in data.items():
                    if status is None:
                        with ep.lock:
                            ep.kinesis_streams.pop(name, None)
                    else:
                        ep.set_kinesis_stream(name, status)
                self.send_json(200, {'ok': True})
            elif path == '/_admin/kinesis-records' and method == 'GET':
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                name = query.get('stream', [''])[0]
                with ep.lock:
                    stream = ep.kinesis_streams.get(name)
                    records = None if stream is None else [
                        dict(r, data=base64.b64encode(r['data']).decode()) for r in stream.records]
                if records is None:
                    self.send_json(404, {'error': 'no Kinesis stream %r' % name})
                else:
                    self.send_json(200, {'records': records})
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
            if 'kinesis_record_error' in data:
                if data['kinesis_record_error'] not in ('ProvisionedThroughputExceededException',
                                                        'InternalFailure', 'alternate'):
                    raise ValueError("kinesis_record_error must be ProvisionedThroughputExceededException, "
                                     "InternalFailure or 'alternate'")
                f.kinesis_record_error = data['kinesis_record_error']
            if 'stall_phase' in data:
                if data['stall_phase'] not in ('before', 'after'):
                    raise ValueError("stall_phase must be 'before' or 'after'")
                f.stall_phase = data['stall_phase']
            if 'refuse_text' in data:
                text = data['refuse_text']
                f.refuse_text = None if text in (None, '') else str(text)
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
