"""Kinesis Data Streams (JSON 1.1): DescribeStreamSummary, PutRecords and ListStreams.
A mixin of the HTTP request handler; the streams and their records live in ``KinesisStreams``."""

import hashlib
import json
import logging
import time
import uuid

from aws_model import ApiError, validate_params, wire_to_params
from sigv4_check import AuthFailure

LOG = logging.getLogger('firehose-endpoint')

# PutRecords limits (Kinesis API reference): 5 MiB per call counting data and partition keys,
# 1 MiB per record counting its data and its partition key.
MAX_CALL_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
SHARDS_PER_STREAM = 2
RECORD_ERRORS = ('ProvisionedThroughputExceededException', 'InternalFailure')


class KinesisStream:
    """One stream: its status and every record written to it, in order."""

    def __init__(self, name, status):
        self.name = name
        self.status = status
        self.created = time.time()
        self.records = []     # dicts: partition_key, data (bytes), shard_id, sequence_number
        self.next_sequence = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000

    def shard_for(self, partition_key):
        # As Kinesis: the MD5 of the key, as a 128-bit number, falls into one shard's hash key range.
        value = int.from_bytes(hashlib.md5(partition_key.encode('utf-8')).digest(), 'big')
        return 'shardId-%012d' % (value * SHARDS_PER_STREAM >> 128)

    def append(self, partition_key, data):
        self.next_sequence += 1
        record = {'partition_key': partition_key, 'data': data,
                  'shard_id': self.shard_for(partition_key), 'sequence_number': str(self.next_sequence)}
        self.records.append(record)
        return record


class KinesisApi:
    """``handle_kinesis`` and one ``kinesis_<Operation>`` method per operation."""

    def handle_kinesis(self, body):
        ep = self.endpoint
        request_id = str(uuid.uuid4())
        try:
            try:
                ep.verifier.verify('POST', self.path, self.headers, body, ep.scheme,
                                   'kinesis', (ep.config.region,))
            except AuthFailure as failure:
                raise failure.api_error('json') from None
            target = self.headers['X-Amz-Target']
            prefix, _, op_name = target.partition('.')
            if prefix != ep.models.kinesis_target_prefix or op_name not in ep.models.kinesis.operation_names:
                raise ApiError('UnknownOperationException', 'Unknown operation %s' % target)
            stall_after = ep.begin_call(op_name, 'kinesis')
            content_type = self.headers.get('Content-Type', '')
            if not content_type.startswith('application/x-amz-json-1.1'):
                raise ApiError('SerializationException',
                               "Content-Type must be 'application/x-amz-json-1.1', got '%s'" % content_type)
            op_model = ep.models.kinesis.operation_model(op_name)
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
            handler = getattr(self, 'kinesis_' + op_name, None)
            if handler is None:
                raise ApiError('UnknownOperationException',
                               '%s is not implemented by the test endpoint' % op_name)
            result = handler(params)
            if stall_after:
                time.sleep(stall_after)
            self.send_json(200, result, {'x-amzn-RequestId': request_id}, 'application/x-amz-json-1.1')
        except ApiError as err:
            self.send_json_error(err, request_id)

    def _kinesis_stream(self, name):
        ep = self.endpoint
        with ep.lock:
            stream = ep.kinesis_streams.get(name)
        if stream is None:
            raise ApiError('ResourceNotFoundException', 'Stream %s under account %s not found.'
                           % (name, ep.config.account_id))
        return stream

    def kinesis_DescribeStreamSummary(self, params):
        ep = self.endpoint
        stream = self._kinesis_stream(params['StreamName'])
        return {'StreamDescriptionSummary': {
            'StreamName': stream.name,
            'StreamARN': 'arn:aws:kinesis:%s:%s:stream/%s' % (ep.config.region, ep.config.account_id, stream.name),
            'StreamStatus': stream.status,
            'StreamModeDetails': {'StreamMode': 'PROVISIONED'},
            'RetentionPeriodHours': 24,
            'StreamCreationTimestamp': stream.created,
            'EnhancedMonitoring': [{'ShardLevelMetrics': []}],
            'EncryptionType': 'NONE',
            'OpenShardCount': SHARDS_PER_STREAM,
            'ConsumerCount': 0,
        }}

    def kinesis_ListStreams(self, params):
        with self.endpoint.lock:
            names = sorted(self.endpoint.kinesis_streams)
        return {'StreamNames': names, 'HasMoreStreams': False}

    def kinesis_PutRecords(self, params):
        ep = self.endpoint
        stream = self._kinesis_stream(params['StreamName'])
        if stream.status not in ('ACTIVE', 'UPDATING'):
            raise ApiError('ResourceNotFoundException', 'Stream %s under account %s not found.'
                           % (stream.name, ep.config.account_id))
        records = params['Records']
        sizes = [len(r['Data']) + len(r['PartitionKey'].encode('utf-8')) for r in records]
        for index, size in enumerate(sizes):
            if size > MAX_RECORD_BYTES:
                raise ApiError('InvalidArgumentException', 'Record %d of the request has a size of %d bytes, over '
                               'the 1 MiB limit of data and partition key' % (index, size))
        if sum(sizes) > MAX_CALL_BYTES:
            raise ApiError('InvalidArgumentException', 'Records size exceeds 5 MB limit: %d' % sum(sizes))
        answers, failed = [], 0
        with ep.lock:
            counters = ep.counters.kinesis_streams[stream.name]
            for record in records:
                error = ep.kinesis_record_error()
                if error is not None:
                    failed += 1
                    answers.append({'ErrorCode': error, 'ErrorMessage': self._record_error_message(error, stream)})
                    continue
                written = stream.append(record['PartitionKey'], record['Data'])
                answers.append({'SequenceNumber': written['sequence_number'], 'ShardId': written['shard_id']})
                counters['records'] += 1
                counters['bytes'] += len(record['Data'])
                ep.counters.kinesis_partition_keys[stream.name][record['PartitionKey']] += 1
            counters['records_failed'] += failed
            if failed:
                ep.counters.faults['records_failed'] += failed
        return {'FailedRecordCount': failed, 'Records': answers, 'EncryptionType': 'NONE'}

    def _record_error_message(self, error, stream):
        if error == 'InternalFailure':
            return 'Internal service failure.'
        return ('Rate exceeded for shard %s in stream %s under account %s.'
                % (stream.shard_for('x'), stream.name, self.endpoint.config.account_id))
