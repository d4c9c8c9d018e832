"""Kinesis Data Streams (JSON 1.1): DescribeStreamSummary, PutRecords and ListStreams.
A mixin of the HTTP request handler; the streams and their records live in ``KinesisStreams``."""

import hashlib
import time

from aws_model import ApiError

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
    """One ``kinesis_<Operation>`` method per operation (called by ``JsonApi.handle_json_call``)."""

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
