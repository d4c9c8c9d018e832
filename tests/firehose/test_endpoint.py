#!/usr/bin/python3
"""Self-tests of the Firehose test endpoint, driven by real botocore clients.

Run: /usr/bin/python3 tests/firehose/test_endpoint.py
"""

import base64
import datetime
import glob
import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
from unittest import mock
import urllib.error
import urllib.request

# Keep the user's AWS configuration out of the clients built here.
for _var in ('AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
             'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE',
             'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
             'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CA_BUNDLE', 'AWS_ENDPOINT_URL',
             'AWS_EC2_METADATA_DISABLED'):
    os.environ.pop(_var, None)
os.environ['AWS_CONFIG_FILE'] = os.devnull
os.environ['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull

import botocore.auth            # noqa: E402
import botocore.awsrequest      # noqa: E402
import botocore.config          # noqa: E402
import botocore.credentials     # noqa: E402
import botocore.exceptions      # noqa: E402
import botocore.session         # noqa: E402
import botocore.utils           # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import endpoint                 # noqa: E402

AKID = 'AKIDKINESYSLOGTEST01'
SECRET = 'kinesyslog/test+secret/0123456789abcdefghij'
WEB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.kinesyslog-test.signature'
ECS_TOKEN = 'ecs-auth-token-kinesyslog'
REGION = 'us-east-1'
STREAM = 'kinesyslog-test'
KINESIS_STREAM = 'kinesyslog-data'
NO_RETRY = {'total_max_attempts': 1}
OBJECT_NAME = re.compile(r'^(?P<stream>.+)-1-(\d{4})-(\d\d)-(\d\d)-(\d\d)-\d\d-\d\d-'
                         r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def setUpModule():
    # botocore's metadata fetchers keep pooled sockets nobody can close.
    warnings.filterwarnings('ignore', category=ResourceWarning, message='unclosed <socket')


class EndpointTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='firehose-endpoint-test-')
        cls.out = os.path.join(cls.tmp, 'out')
        config = endpoint.Config(
            out=cls.out, credentials=[(AKID, SECRET)],
            streams={STREAM: 'ACTIVE', 'still-creating': 'CREATING'},
            kinesis_streams={KINESIS_STREAM: 'ACTIVE', 'resharding': 'UPDATING', 'kinesis-creating': 'CREATING'},
            web_identity_token=WEB_TOKEN, ecs_token=ECS_TOKEN, admin_port=0)
        cls.ep = endpoint.Endpoint(config).start()
        cls.url = 'http://127.0.0.1:%d' % cls.ep.port
        cls.admin_url = 'http://127.0.0.1:%d' % cls.ep.admin_port
        cls.session = botocore.session.get_session()

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self._clients = []
        self.addCleanup(lambda: [c.close() for c in self._clients])
        self.admin('POST', '/_admin/reset', {'counters': False, 'faults': True})
        self.admin('POST', '/_admin/config', {'credential_lifetime': 3600})

    # -- helpers -----------------------------------------------------------
    def admin(self, method, path, body=None, base=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request((base or self.admin_url) + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    def counters(self):
        return self.admin('GET', '/_admin/counters')

    def client(self, service='firehose', key=AKID, secret=SECRET, token=None, retries=None,
               **config):
        cfg = botocore.config.Config(retries=retries or NO_RETRY, connect_timeout=2,
                                     read_timeout=config.pop('read_timeout', 5), **config)
        client = self.session.create_client(
            service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token, config=cfg)
        self._clients.append(client)
        return client

    def objects(self):
        return {p for p in glob.glob(os.path.join(self.out, '*', '*', '*', '*', '*'))}

    def assertClientError(self, code, status, call, *args, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual(err['Error']['Code'], code, err)
        self.assertEqual(err['ResponseMetadata']['HTTPStatusCode'], status, err)
        return err

    def raw(self, target, body, headers=None, sign=True, secret=SECRET, content_sha=None,
            service='firehose', prefix='Firehose_20150804.'):
        """A Firehose request signed by botocore's SigV4Auth and sent with http.client."""
        req = botocore.awsrequest.AWSRequest(
            method='POST', url=self.url + '/', data=body,
            headers={'X-Amz-Target': prefix + target,
                     'Content-Type': 'application/x-amz-json-1.1', **(headers or {})})
        if content_sha:
            req.headers['X-Amz-Content-SHA256'] = content_sha
        if sign:
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(AKID, secret),
                                    service, REGION).add_auth(req)
        conn = http.client.HTTPConnection('127.0.0.1', self.ep.port, timeout=5)
        try:
            conn.request('POST', '/', body=body, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b'{}')
        finally:
            conn.close()

    # -- Firehose ----------------------------------------------------------
    def test_describe_delivery_stream(self):
        fh = self.client()
        desc = fh.describe_delivery_stream(DeliveryStreamName=STREAM)['DeliveryStreamDescription']
        self.assertEqual(desc['DeliveryStreamStatus'], 'ACTIVE')
        self.assertEqual(desc['DeliveryStreamARN'],
                         'arn:aws:firehose:us-east-1:123456789012:deliverystream/' + STREAM)
        desc = fh.describe_delivery_stream(DeliveryStreamName='still-creating')
        self.assertEqual(desc['DeliveryStreamDescription']['DeliveryStreamStatus'], 'CREATING')
        self.assertClientError('ResourceNotFoundException', 400, fh.describe_delivery_stream,
                               DeliveryStreamName='no-such-stream')
        self.admin('POST', '/_admin/streams', {'added-later': 'ACTIVE'})
        self.assertIn('added-later', fh.list_delivery_streams()['DeliveryStreamNames'])

    def test_put_record_batch_writes_one_object(self):
        before = self.counters()
        old = self.objects()
        fh = self.client()
        data = [b'First thing', b'Second thing', b'\x1f\x8b\x08\x00binary\x00\xff']
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': d} for d in data])
        self.assertEqual(resp['FailedPutCount'], 0)
        self.assertFalse(resp['Encrypted'])
        self.assertEqual(len(resp['RequestResponses']), 3)
        self.assertTrue(all(len(r['RecordId']) > 50 for r in resp['RequestResponses']))
        new = self.objects() - old
        self.assertEqual(len(new), 1, new)
        path = new.pop()
        m = OBJECT_NAME.match(os.path.basename(path))
        self.assertIsNotNone(m, path)
        self.assertEqual(m.group('stream'), STREAM)
        self.assertEqual(os.path.relpath(os.path.dirname(path), self.out).split(os.sep),
                         [m.group(2), m.group(3), m.group(4), m.group(5)])
        with open(path, 'rb') as fh_:
            self.assertEqual(fh_.read(), b''.join(data))
        after = self.counters()
        self.assertEqual(after['calls']['PutRecordBatch'] - before['calls'].get('PutRecordBatch', 0), 1)
        self.assertEqual(after['records_accepted'] - before['records_accepted'], 3)
        self.assertEqual(after['bytes_accepted'] - before['bytes_accepted'], len(b''.join(data)))
        self.assertEqual(after['objects_written'] - before['objects_written'], 1)

    def test_put_to_unknown_or_inactive_stream(self):
        fh = self.client()
        self.assertClientError('ResourceNotFoundException', 400, fh.put_record_batch,
                               DeliveryStreamName='nope', Records=[{'Data': b'x'}])
        self.assertClientError('ResourceNotFoundException', 400, fh.put_record_batch,
                               DeliveryStreamName='still-creating', Records=[{'Data': b'x'}])

    def test_limits(self):
        fh = self.client()
        err = self.assertClientError('ValidationException', 400, fh.put_record_batch,
                                     DeliveryStreamName=STREAM, Records=[{'Data': b'x'}] * 501)
        self.assertIn("at 'records' failed to satisfy constraint: Member must have length less "
                      "than or equal to 500", err['Error']['Message'])
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'y'}] * 500)
        self.assertEqual(resp['FailedPutCount'], 0)
        err = self.assertClientError('ValidationException', 400, fh.put_record_batch,
                                     DeliveryStreamName=STREAM,
                                     Records=[{'Data': b'a'}, {'Data': b'z' * 1024001}])
        self.assertIn("'records.2.member.data'", err['Error']['Message'])
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'z' * 1024000}])
        self.assertEqual(resp['FailedPutCount'], 0)
        self.assertClientError('InvalidArgumentException', 400, fh.put_record_batch,
                               DeliveryStreamName=STREAM, Records=[{'Data': b'q' * 1000000}] * 5)
        self.assertClientError('ValidationException', 400, fh.put_record_batch,
                               DeliveryStreamName='bad name!', Records=[{'Data': b'x'}])
        unvalidated = self.client(parameter_validation=False)
        err = self.assertClientError('ValidationException', 400, unvalidated.put_record_batch,
                                     Records=[{'Data': b'x'}])
        self.assertIn("Value null at 'deliveryStreamName'", err['Error']['Message'])
        self.assertClientError('ValidationException', 400, unvalidated.put_record_batch,
                               DeliveryStreamName=STREAM, Records=[])

    def test_malformed_requests(self):
        ok = json.dumps({'DeliveryStreamName': STREAM, 'Records': [{'Data': 'eA=='}]}).encode()
        self.assertEqual(self.raw('PutRecordBatch', ok)[0], 200)
        status, body = self.raw('PutRecordBatch', b'{"DeliveryStreamName": ')
        self.assertEqual((status, body['__type']), (400, 'SerializationException'))
        status, body = self.raw('PutRecordBatch', json.dumps(
            {'DeliveryStreamName': STREAM, 'Records': 'not-a-list'}).encode())
        self.assertEqual((status, body['__type']), (400, 'SerializationException'))
        status, body = self.raw('PutRecordBatch', json.dumps(
            {'DeliveryStreamName': STREAM, 'Records': [{'Data': '***'}]}).encode())
        self.assertEqual((status, body['__type']), (400, 'SerializationException'))
        status, body = self.raw('NoSuchOperation', b'{}')
        self.assertEqual((status, body['__type']), (400, 'UnknownOperationException'))
        status, body = self.raw('PutRecordBatch', ok, sign=False)
        self.assertEqual((status, body['__type']), (403, 'MissingAuthenticationTokenException'))
        status, body = self.raw('PutRecordBatch', ok, content_sha=hashlib.sha256(b'other').hexdigest())
        self.assertEqual((status, body['__type']), (400, 'InvalidSignatureException'))
        # A signature over one body, sent with another, must fail.
        req = botocore.awsrequest.AWSRequest(
            method='POST', url=self.url + '/', data=ok,
            headers={'X-Amz-Target': 'Firehose_20150804.PutRecordBatch',
                     'Content-Type': 'application/x-amz-json-1.1'})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(AKID, SECRET),
                                'firehose', REGION).add_auth(req)
        tampered = ok.replace(b'eA==', b'eQ==')
        conn = http.client.HTTPConnection('127.0.0.1', self.ep.port, timeout=5)
        conn.request('POST', '/', body=tampered, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        self.assertEqual((resp.status, json.loads(resp.read())['__type']),
                         (400, 'InvalidSignatureException'))
        # Same connection (keep-alive): a correct signature made 20 minutes ago is too old.
        req = botocore.awsrequest.AWSRequest(
            method='POST', url=self.url + '/', data=ok,
            headers={'X-Amz-Target': 'Firehose_20150804.PutRecordBatch',
                     'Content-Type': 'application/x-amz-json-1.1'})
        past = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        with mock.patch('botocore.auth.datetime') as fake:
            fake.datetime.utcnow.return_value = past
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(AKID, SECRET),
                                    'firehose', REGION).add_auth(req)
        conn.request('POST', '/', body=ok, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        body = json.loads(resp.read())
        self.assertEqual((resp.status, body['__type']), (400, 'InvalidSignatureException'))
        self.assertIn('Signature expired', body['message'])
        conn.close()

    def test_wrong_secret_and_unknown_key(self):
        before = self.counters()
        err = self.assertClientError('InvalidSignatureException', 400,
                                     self.client(secret='not-the-secret').describe_delivery_stream,
                                     DeliveryStreamName=STREAM)
        self.assertIn('does not match', err['Error']['Message'])
        self.assertClientError('UnrecognizedClientException', 400,
                               self.client(key='AKIDUNKNOWN000000000').describe_delivery_stream,
                               DeliveryStreamName=STREAM)
        after = self.counters()
        self.assertEqual(after['signature_failures'] - before['signature_failures'], 1)
        self.assertEqual(after['auth_failures'].get('UnrecognizedClientException', 0)
                         - before['auth_failures'].get('UnrecognizedClientException', 0), 1)
        other_region = self.session.create_client(
            'firehose', endpoint_url=self.url, region_name='eu-west-1', aws_access_key_id=AKID,
            aws_secret_access_key=SECRET, config=botocore.config.Config(retries=NO_RETRY))
        self._clients.append(other_region)
        err = self.assertClientError('InvalidSignatureException', 400,
                                     other_region.describe_delivery_stream, DeliveryStreamName=STREAM)
        self.assertIn('valid region', err['Error']['Message'])

    # -- faults ------------------------------------------------------------
    def test_fault_throttle_and_500(self):
        fh = self.client()
        self.admin('POST', '/_admin/faults', {'throttle': 2})
        for _ in range(2):
            self.assertClientError('ServiceUnavailableException', 500, fh.put_record_batch,
                                   DeliveryStreamName=STREAM, Records=[{'Data': b't'}])
        self.assertEqual(fh.put_record_batch(DeliveryStreamName=STREAM,
                                             Records=[{'Data': b't'}])['FailedPutCount'], 0)
        self.admin('POST', '/_admin/faults', {'error500': 1})
        self.assertClientError('InternalFailure', 500, fh.describe_delivery_stream,
                               DeliveryStreamName=STREAM)
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        # botocore's own retry recovers from one 500.
        self.admin('POST', '/_admin/faults', {'error500': 1})
        retrying = self.client(retries={'mode': 'standard', 'max_attempts': 3})
        resp = retrying.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertEqual(resp['ResponseMetadata']['RetryAttempts'], 1)
        # Faults can target chosen operations, STS included (which answers Throttling).
        self.admin('POST', '/_admin/faults', {'throttle': 1, 'operations': ['GetCallerIdentity']})
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertClientError('Throttling', 400, self.client('sts').get_caller_identity)
        faults = self.counters()['faults']
        self.assertGreaterEqual(faults['throttled'], 3)
        self.assertGreaterEqual(faults['error500'], 2)

    def test_fault_fail_fraction(self):
        fh = self.client()
        old = self.objects()
        self.admin('POST', '/_admin/faults', {'fail_fraction': 0.5})
        data = [b'rec%02d;' % i for i in range(10)]
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': d} for d in data])
        self.assertEqual(resp['FailedPutCount'], 5)
        failed = [r for r in resp['RequestResponses'] if 'ErrorCode' in r]
        self.assertEqual(len(failed), 5)
        self.assertTrue(all(r['ErrorCode'] == 'ServiceUnavailableException' for r in failed))
        accepted = b''.join(d for d, r in zip(data, resp['RequestResponses']) if 'RecordId' in r)
        new = self.objects() - old
        self.assertEqual(len(new), 1)
        with open(new.pop(), 'rb') as fh_:
            self.assertEqual(fh_.read(), accepted)
        self.admin('POST', '/_admin/faults', {'clear': True, 'fail_records': 1})
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'1'}, {'Data': b'2'}])
        self.assertEqual(resp['FailedPutCount'], 1)
        self.assertIn('ErrorCode', resp['RequestResponses'][0])

    def test_billed_bytes_and_gzip_members_per_record(self):
        """Each accepted record is billed in whole 5 KiB steps, and its gzip members are counted."""
        self.admin('POST', '/_admin/streams', {'billing': 'ACTIVE'})
        fh = self.client()
        one = gzip.compress(b'one document')
        three = gzip.compress(b'a') + gzip.compress(b'b') + gzip.compress(b'c')
        big = b'x' * 5121  # not gzip: no member; billed as two steps
        resp = fh.put_record_batch(DeliveryStreamName='billing',
                                   Records=[{'Data': d} for d in (one, three, big, three)])
        self.assertEqual(resp['FailedPutCount'], 0)
        stream = self.counters()['streams']['billing']
        self.assertEqual(stream['records'], 4)
        self.assertEqual(stream['bytes'], len(one) + 2 * len(three) + len(big))
        self.assertEqual(stream['billed_bytes'], 5120 * 5)
        self.assertEqual(stream['gzip_members'], 7)
        self.assertEqual(stream['members_per_record'], {'0': 1, '1': 1, '3': 2})
        self.admin('POST', '/_admin/faults', {'fail_records': 1})
        fh.put_record_batch(DeliveryStreamName='billing', Records=[{'Data': one}, {'Data': one}])
        stream = self.counters()['streams']['billing']
        self.assertEqual(stream['billed_bytes'], 5120 * 6, 'a failed record is not billed')
        self.assertEqual(stream['members_per_record'], {'0': 1, '1': 2, '3': 2})

    def test_fault_refuse_text(self):
        """A put holding a record whose data (gunzipped when it is gzip) holds the text is refused whole."""
        fh = self.client()
        self.admin('POST', '/_admin/faults', {'refuse_text': 'poison'})
        before = self.counters()
        packed = gzip.compress(b'fine') + gzip.compress(b'a poison line')
        err = self.assertClientError('InvalidArgumentException', 400, fh.put_record_batch,
                                     DeliveryStreamName=STREAM, Records=[{'Data': b'ok'}, {'Data': packed}])
        self.assertIn('Record 1', err['Error']['Message'])
        self.assertClientError('InvalidArgumentException', 400, fh.put_record_batch,
                               DeliveryStreamName=STREAM, Records=[{'Data': b'raw poison'}])
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': gzip.compress(b'fine')}])
        self.assertEqual(resp['FailedPutCount'], 0)
        after = self.counters()
        self.assertEqual(after['records_accepted'] - before['records_accepted'], 1)
        self.assertEqual(after['faults']['refused_calls'] - before['faults'].get('refused_calls', 0), 2)
        self.admin('POST', '/_admin/faults', {'refuse_text': None})
        resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'raw poison'}])
        self.assertEqual(resp['FailedPutCount'], 0)

    def test_fault_stall(self):
        self.admin('POST', '/_admin/faults', {'stall': 0.6})
        slow = self.client(read_timeout=0.2)
        t0 = time.monotonic()
        with self.assertRaises(botocore.exceptions.ReadTimeoutError):
            slow.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertLess(time.monotonic() - t0, 0.6)
        slow.describe_delivery_stream(DeliveryStreamName=STREAM)   # stall_calls was 1
        self.assertEqual(self.counters()['faults']['stalled'], 1)

    def test_fault_down_and_back(self):
        fh = self.client()
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)    # keep-alive connection open
        state = self.admin('POST', '/_admin/faults', {'down': 0.8}, base=self.url)
        self.assertTrue(state['down'])
        with self.assertRaises(botocore.exceptions.EndpointConnectionError):
            fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        deadline = time.monotonic() + 5
        while self.admin('GET', '/_admin/faults')['down']:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        # Indefinitely down, brought back through the separate admin port.
        self.admin('POST', '/_admin/faults', {'down': True})
        with self.assertRaises(botocore.exceptions.EndpointConnectionError):
            fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertFalse(self.admin('POST', '/_admin/faults', {'up': True})['down'])
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)

    # -- STS ---------------------------------------------------------------
    # -- Kinesis Data Streams ----------------------------------------------
    def test_kinesis_describe_stream_summary(self):
        kinesis = self.client('kinesis')
        summary = kinesis.describe_stream_summary(StreamName=KINESIS_STREAM)['StreamDescriptionSummary']
        self.assertEqual(summary['StreamStatus'], 'ACTIVE')
        self.assertEqual(summary['StreamARN'], 'arn:aws:kinesis:us-east-1:123456789012:stream/' + KINESIS_STREAM)
        for name, status in (('resharding', 'UPDATING'), ('kinesis-creating', 'CREATING')):
            summary = kinesis.describe_stream_summary(StreamName=name)['StreamDescriptionSummary']
            self.assertEqual(summary['StreamStatus'], status)
        self.assertClientError('ResourceNotFoundException', 400, kinesis.describe_stream_summary,
                               StreamName='no-such-stream')
        self.admin('POST', '/_admin/kinesis-streams', {'added-later': 'ACTIVE'})
        self.assertIn('added-later', kinesis.list_streams()['StreamNames'])
        self.assertNotIn(STREAM, kinesis.list_streams()['StreamNames'], 'Firehose streams are apart')

    def test_kinesis_put_records_keeps_data_and_partition_keys(self):
        kinesis = self.client('kinesis')
        before = self.counters().get('kinesis_streams', {}).get(KINESIS_STREAM, {})
        data = [(b'\x1f\x8b first', '10.0.0.1'), (b'second', '2001:db8::7'), (b'third', '10.0.0.1')]
        resp = kinesis.put_records(StreamName=KINESIS_STREAM,
                                   Records=[{'Data': d, 'PartitionKey': k} for d, k in data])
        self.assertEqual(resp['FailedRecordCount'], 0)
        self.assertEqual(len(resp['Records']), 3)
        self.assertTrue(all(r['ShardId'].startswith('shardId-') for r in resp['Records']))
        self.assertEqual(resp['Records'][0]['ShardId'], resp['Records'][2]['ShardId'], 'one key, one shard')
        numbers = [int(r['SequenceNumber']) for r in resp['Records']]
        self.assertEqual(numbers, sorted(numbers))
        records = self.admin('GET', '/_admin/kinesis-records?stream=' + KINESIS_STREAM)['records']
        tail = [(base64.b64decode(r['data']), r['partition_key']) for r in records[-3:]]
        self.assertEqual(tail, data)
        after = self.counters()['kinesis_streams'][KINESIS_STREAM]
        self.assertEqual(after['records'] - before.get('records', 0), 3)
        self.assertEqual(after['partition_keys']['10.0.0.1'] - before.get('partition_keys', {}).get('10.0.0.1', 0), 2)
        # UPDATING streams take writes; CREATING and unknown ones do not.
        kinesis.put_records(StreamName='resharding', Records=[{'Data': b'x', 'PartitionKey': 'k'}])
        for name in ('kinesis-creating', 'nope'):
            self.assertClientError('ResourceNotFoundException', 400, kinesis.put_records,
                                   StreamName=name, Records=[{'Data': b'x', 'PartitionKey': 'k'}])

    def test_kinesis_limits_and_model_checks(self):
        kinesis = self.client('kinesis')
        err = self.assertClientError('ValidationException', 400, kinesis.put_records, StreamName=KINESIS_STREAM,
                                     Records=[{'Data': b'x', 'PartitionKey': 'k'}] * 501)
        self.assertIn('less than or equal to 500', err['Error']['Message'])
        self.assertEqual(kinesis.put_records(StreamName=KINESIS_STREAM, Records=[
            {'Data': b'x', 'PartitionKey': '\u00e9' * 256}])['FailedRecordCount'], 0)
        self.assertClientError('ValidationException', 400, kinesis.put_records, StreamName=KINESIS_STREAM,
                               Records=[{'Data': b'x', 'PartitionKey': 'k' * 257}])
        unvalidated = self.client('kinesis', parameter_validation=False)
        self.assertClientError('ValidationException', 400, unvalidated.put_records, StreamName=KINESIS_STREAM,
                               Records=[{'Data': b'x', 'PartitionKey': ''}])
        self.assertClientError('ValidationException', 400, unvalidated.put_records, StreamName=KINESIS_STREAM,
                               Records=[{'Data': b'x'}])
        # 1 MiB counts the data and the partition key; 5 MiB per call counts both too.
        kinesis.put_records(StreamName=KINESIS_STREAM, Records=[{'Data': b'z' * (1048576 - 2), 'PartitionKey': 'ab'}])
        self.assertClientError('InvalidArgumentException', 400, kinesis.put_records, StreamName=KINESIS_STREAM,
                               Records=[{'Data': b'z' * (1048576 - 2), 'PartitionKey': 'abc'}])
        self.assertClientError('InvalidArgumentException', 400, kinesis.put_records, StreamName=KINESIS_STREAM,
                               Records=[{'Data': b'q' * 1000000, 'PartitionKey': 'k'}] * 6)
        # The signature must be for service kinesis.
        body = json.dumps({'StreamName': KINESIS_STREAM}).encode()
        status, answer = self.raw('DescribeStreamSummary', body, prefix='Kinesis_20131202.', service='kinesis')
        self.assertEqual(status, 200, answer)
        status, answer = self.raw('DescribeStreamSummary', body, prefix='Kinesis_20131202.', service='firehose')
        self.assertEqual((status, answer['__type']), (400, 'InvalidSignatureException'))

    def test_kinesis_faults(self):
        kinesis = self.client('kinesis')
        records = [{'Data': b'r%d' % i, 'PartitionKey': '127.0.0.%d' % i} for i in range(8)]
        self.admin('POST', '/_admin/faults', {'throttle': 1})
        self.assertClientError('ProvisionedThroughputExceededException', 400, kinesis.put_records,
                               StreamName=KINESIS_STREAM, Records=records)
        self.admin('POST', '/_admin/faults', {'error500': 1})
        self.assertClientError('InternalFailure', 500, kinesis.put_records, StreamName=KINESIS_STREAM,
                               Records=records)
        self.admin('POST', '/_admin/faults', {'fail_fraction': 0.5, 'kinesis_record_error': 'alternate'})
        resp = kinesis.put_records(StreamName=KINESIS_STREAM, Records=records)
        self.assertEqual(resp['FailedRecordCount'], 4)
        codes = [r.get('ErrorCode') for r in resp['Records']]
        self.assertEqual(codes[0::2], [None] * 4)
        self.assertEqual(sorted(codes[1::2]), ['InternalFailure', 'InternalFailure',
                                                'ProvisionedThroughputExceededException',
                                                'ProvisionedThroughputExceededException'])
        failed = [r for r in resp['Records'] if 'ErrorCode' in r]
        self.assertTrue(all(r['ErrorMessage'] and 'SequenceNumber' not in r for r in failed))
        self.assertGreaterEqual(self.counters()['kinesis_streams'][KINESIS_STREAM]['records_failed'], 4)

    def test_sts_caller_identity_and_bad_signature(self):
        sts = self.client('sts')
        ident = sts.get_caller_identity()
        self.assertEqual(ident['Account'], '123456789012')
        self.assertTrue(ident['Arn'].startswith('arn:aws:iam::123456789012:'))
        self.assertClientError('SignatureDoesNotMatch', 403,
                               self.client('sts', secret='wrong').get_caller_identity)
        self.assertClientError('InvalidClientTokenId', 403,
                               self.client('sts', key='AKIDUNKNOWN000000000').get_caller_identity)

    def test_skewed_signatures_are_refused_as_aws_does_with_its_date(self):
        """More than 15 minutes either way: Firehose 400 InvalidSignatureException and STS 403
        SignatureDoesNotMatch, "Signature not yet current" / "Signature expired", and every
        answer carries AWS's time in an RFC 7231 Date header (clients correct their skew from it)."""
        def send(service, body, headers, offset=datetime.timedelta(0), sign=True):
            # botocore's pure-Python signer with its clock moved (clients may sign with awscrt instead).
            req = botocore.awsrequest.AWSRequest(method='POST', url=self.url + '/', data=body, headers=headers)
            with mock.patch('botocore.auth.datetime') as fake:
                fake.datetime.utcnow.return_value = datetime.datetime.utcnow() + offset
                if sign:
                    botocore.auth.SigV4Auth(botocore.credentials.Credentials(AKID, SECRET),
                                            service, REGION).add_auth(req)
            conn = http.client.HTTPConnection('127.0.0.1', self.ep.port, timeout=5)
            try:
                conn.request('POST', '/', body=body, headers=dict(req.headers.items()))
                resp = conn.getresponse()
                return resp.status, resp.getheader('Date'), resp.read().decode()
            finally:
                conn.close()

        def firehose(offset, **kwargs):
            return send('firehose', json.dumps({'DeliveryStreamName': STREAM}).encode(),
                        {'X-Amz-Target': 'Firehose_20150804.DescribeDeliveryStream',
                         'Content-Type': 'application/x-amz-json-1.1'}, offset, **kwargs)

        def sts(offset):
            return send('sts', b'Action=GetCallerIdentity&Version=2011-06-15',
                        {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}, offset)

        def check_date(date):
            self.assertRegex(date or '', r'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|'
                                         r'Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$')
            parsed = datetime.datetime.strptime(date, '%a, %d %b %Y %H:%M:%S GMT')
            self.assertLess(abs((parsed - datetime.datetime.utcnow()).total_seconds()), 5)

        ahead = datetime.timedelta(minutes=20)
        for offset, message in ((ahead, 'Signature not yet current'), (-ahead, 'Signature expired')):
            status, date, body = firehose(offset)
            answer = json.loads(body)
            self.assertEqual((status, answer['__type']), (400, 'InvalidSignatureException'))
            self.assertTrue(answer['message'].startswith(message + ': '), answer)
            self.assertIn('15 min.)', answer['message'])
            check_date(date)
            status, date, body = sts(offset)
            self.assertEqual(status, 403)
            self.assertRegex(body, r'<Code>SignatureDoesNotMatch</Code>\s*<Message>%s: ' % message)
            check_date(date)
        # Answers that are not refusals carry it too: success, 404, a missing signature.
        for status, date, _ in (firehose(datetime.timedelta(0)), sts(datetime.timedelta(0)),
                                firehose(datetime.timedelta(0), sign=False)):
            self.assertIn(status, (200, 403))
            check_date(date)
        conn = http.client.HTTPConnection('127.0.0.1', self.ep.port, timeout=5)
        try:
            conn.request('GET', '/no-such-path')
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 404)
            check_date(resp.getheader('Date'))
        finally:
            conn.close()

    def test_assume_role_credentials_usable_then_expire(self):
        self.admin('POST', '/_admin/config', {'credential_lifetime': 2})
        sts = self.client('sts')
        resp = sts.assume_role(RoleArn='arn:aws:iam::123456789012:role/relay',
                               RoleSessionName='kinesyslog', DurationSeconds=900)
        creds = resp['Credentials']
        self.assertTrue(creds['AccessKeyId'].startswith('ASIA'))
        self.assertEqual(resp['AssumedRoleUser']['Arn'],
                         'arn:aws:sts::123456789012:assumed-role/relay/kinesyslog')
        fh = self.client(key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                         token=creds['SessionToken'])
        fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'as role'}])
        ident = self.client('sts', key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                            token=creds['SessionToken']).get_caller_identity()
        self.assertEqual(ident['Arn'], resp['AssumedRoleUser']['Arn'])
        # Wrong or missing session token: unrecognized.
        self.assertClientError('UnrecognizedClientException', 400,
                               self.client(key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                                           token='bogus').describe_delivery_stream,
                               DeliveryStreamName=STREAM)
        self.assertClientError('UnrecognizedClientException', 400,
                               self.client(key=creds['AccessKeyId'],
                                           secret=creds['SecretAccessKey']).describe_delivery_stream,
                               DeliveryStreamName=STREAM)
        remaining = creds['Expiration'].timestamp() - time.time()
        time.sleep(max(0.0, remaining) + 0.1)
        self.assertClientError('ExpiredTokenException', 400, fh.put_record_batch,
                               DeliveryStreamName=STREAM, Records=[{'Data': b'too late'}])
        for duration in (60, 50000):    # the model allows 900..43200
            err = self.assertClientError(
                'ValidationError', 400, self.client('sts', parameter_validation=False).assume_role,
                RoleArn='arn:aws:iam::123456789012:role/relay', RoleSessionName='kinesyslog',
                DurationSeconds=duration)
            self.assertIn("at 'durationSeconds'", err['Error']['Message'])

    def test_admin_expire(self):
        creds = self.client('sts').assume_role(RoleArn='arn:aws:iam::123456789012:role/relay',
                                               RoleSessionName='session')['Credentials']
        fh = self.client(key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                         token=creds['SessionToken'])
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertEqual(self.admin('POST', '/_admin/expire',
                                    {'access_key': creds['AccessKeyId']})['expired'], 1)
        self.assertClientError('ExpiredTokenException', 400, fh.describe_delivery_stream,
                               DeliveryStreamName=STREAM)

    def test_assume_role_with_web_identity(self):
        sts = self.client('sts', key='AKIDUNKNOWN000000000', secret='ignored')   # sent unsigned
        resp = sts.assume_role_with_web_identity(RoleArn='arn:aws:iam::123456789012:role/relay',
                                                 RoleSessionName='web', WebIdentityToken=WEB_TOKEN)
        creds = resp['Credentials']
        fh = self.client(key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                         token=creds['SessionToken'])
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        self.assertClientError('InvalidIdentityToken', 400, sts.assume_role_with_web_identity,
                               RoleArn='arn:aws:iam::123456789012:role/relay',
                               RoleSessionName='web', WebIdentityToken='wrong-token')

    # -- IMDS / ECS --------------------------------------------------------
    def test_imds_v2(self):
        base = self.url + '/'
        fetcher = botocore.utils.InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=base)
        creds = fetcher.retrieve_iam_role_credentials()
        self.assertEqual(creds['role_name'], 'kinesyslog-test-role')
        fh = self.client(key=creds['access_key'], secret=creds['secret_key'], token=creds['token'])
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        region = botocore.utils.InstanceMetadataRegionFetcher(
            timeout=2, num_attempts=1, base_url=base).retrieve_region()
        self.assertEqual(region, REGION)
        # Without a token (IMDSv1) or with a bad one: 401.
        for headers in ({}, {'X-aws-ec2-metadata-token': 'bogus'}):
            req = urllib.request.Request(self.url + '/latest/meta-data/iam/security-credentials/',
                                         headers=headers)
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=5)
            self.assertEqual(cm.exception.code, 401)
        req = urllib.request.Request(self.url + '/latest/api/token', method='PUT')
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(cm.exception.code, 400)

    def test_ecs_container_credentials(self):
        fetcher = botocore.utils.ContainerMetadataFetcher()
        url = self.url + '/v2/credentials/kinesyslog-test'
        creds = fetcher.retrieve_full_uri(url, headers={'Authorization': ECS_TOKEN})
        self.assertIn('Expiration', creds)
        fh = self.client(key=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                         token=creds['Token'])
        fh.describe_delivery_stream(DeliveryStreamName=STREAM)
        with self.assertRaises(botocore.exceptions.MetadataRetrievalError):
            botocore.utils.ContainerMetadataFetcher(sleep=lambda _: None).retrieve_full_uri(
                url, headers={'Authorization': 'wrong'})


class TlsTest(unittest.TestCase):
    @unittest.skipUnless(shutil.which('openssl'), 'needs the openssl command')
    def test_https(self):
        tmp = tempfile.mkdtemp(prefix='firehose-endpoint-tls-')
        try:
            cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp, 'key.pem')
            subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                            '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                            '-keyout', key, '-out', cert], check=True, capture_output=True, timeout=60)
            ep = endpoint.Endpoint(endpoint.Config(credentials=[(AKID, SECRET)], streams={STREAM: 'ACTIVE'},
                                                   tls_cert=cert, tls_key=key)).start()
            try:
                fh = botocore.session.get_session().create_client(
                    'firehose', endpoint_url='https://127.0.0.1:%d' % ep.port, region_name=REGION,
                    aws_access_key_id=AKID, aws_secret_access_key=SECRET, verify=cert,
                    config=botocore.config.Config(retries=NO_RETRY))
                resp = fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'tls'}])
                self.assertEqual(resp['FailedPutCount'], 0)
                fh.close()
            finally:
                ep.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class CommandLineTest(unittest.TestCase):
    """The server as the integration tests start it: a process, a port file, SIGTERM."""

    def test_subprocess_port_file_and_sigterm(self):
        tmp = tempfile.mkdtemp(prefix='firehose-endpoint-cli-')
        try:
            port_file = os.path.join(tmp, 'port')
            out = os.path.join(tmp, 'out')
            proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, 'endpoint.py'), '--port-file', port_file,
                 '--out', out, '--credentials', '%s:%s' % (AKID, SECRET), '--stream', STREAM,
                 '--throttle', '1'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(port_file):
                    self.assertIsNone(proc.poll(), 'endpoint exited early')
                    self.assertLess(time.monotonic(), deadline, 'no port file')
                    time.sleep(0.05)
                with open(port_file) as fh_:
                    port = int(fh_.read())
                fh = botocore.session.get_session().create_client(
                    'firehose', endpoint_url='http://127.0.0.1:%d' % port, region_name=REGION,
                    aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                    config=botocore.config.Config(retries=NO_RETRY))
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'a'}])
                self.assertEqual(cm.exception.response['Error']['Code'], 'ServiceUnavailableException')
                fh.put_record_batch(DeliveryStreamName=STREAM, Records=[{'Data': b'hello'}])
                fh.close()
                files = glob.glob(os.path.join(out, '*', '*', '*', '*', STREAM + '-1-*'))
                self.assertEqual(len(files), 1)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    rc = proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise
                proc.stdout.close()
            self.assertEqual(rc, 0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    unittest.main(verbosity=2)
