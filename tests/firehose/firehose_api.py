"""Kinesis Data Firehose (JSON 1.1): DescribeDeliveryStream, ListDeliveryStreams,
PutRecordBatch and PutRecord.  A mixin of the HTTP request handler."""

import base64
import secrets
import zlib

from aws_model import ApiError

MAX_CALL_DATA_BYTES = 4 * 1024 * 1024   # PutRecordBatch: decoded record data per call
# Firehose prices Direct PUT ingestion per GB in 5 KB steps, each record rounded up on its own
# (a 3 KB record counts as 5 KB): https://aws.amazon.com/firehose/pricing/
BILLING_STEP_BYTES = 5 * 1024
GUNZIP_CHUNK = 64 * 1024


def billed_bytes(length):
    """What Firehose bills for one record of `length` bytes: whole 5 KB steps, at least one."""
    return max(1, -(-length // BILLING_STEP_BYTES)) * BILLING_STEP_BYTES


def gzip_members(data, keep_text=False):
    """(members, text): how many whole gzip members (RFC 1952 §2.2) `data` is, one after the
    other, and their decompressed bytes when `keep_text`; (0, None) when it is anything else."""
    view = memoryview(data)
    pos, members, parts = 0, 0, []
    while pos < len(view):
        member = zlib.decompressobj(wbits=31)
        try:
            while not member.eof and pos < len(view):
                chunk = view[pos:pos + GUNZIP_CHUNK]
                out = member.decompress(chunk)
                if keep_text:
                    parts.append(out)
                pos += len(chunk) - len(member.unused_data)
        except zlib.error:
            return 0, None
        if not member.eof:
            return 0, None
        members += 1
    return members, (b''.join(parts) if keep_text else None)


class FirehoseApi:
    """One ``firehose_<Operation>`` method per operation (called by ``JsonApi.handle_json_call``)."""

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
        with ep.lock:
            refuse_text = ep.faults.refuse_text
        if refuse_text:
            for index, record in enumerate(records):
                members, text = gzip_members(record['Data'], keep_text=True)
                if refuse_text.encode() in (text if members else record['Data']):
                    with ep.lock:
                        ep.counters.faults['refused_calls'] += 1
                    raise ApiError('InvalidArgumentException', 'Record %d holds the refused text %r (injected fault)'
                                   % (index, refuse_text))
        responses, accepted = [], []
        with ep.lock:
            for record in records:
                if ep.record_fails():
                    responses.append({'ErrorCode': 'ServiceUnavailableException', 'ErrorMessage': 'Slow down.'})
                else:
                    responses.append({'RecordId': base64.b64encode(secrets.token_bytes(168)).decode()})
                    accepted.append(record['Data'])
        data = b''.join(accepted)
        members = [gzip_members(record)[0] for record in accepted]
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
            billed = sum(billed_bytes(len(record)) for record in accepted)
            c.billed_bytes += billed
            s = c.streams[stream.name]
            s['records'] += len(accepted)
            s['bytes'] += len(data)
            s['billed_bytes'] += billed
            s['gzip_members'] += sum(members)
            c.members_per_record[stream.name].update(members)
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
            raise ApiError('ServiceUnavailableException', 'Slow down.', 500)
        return {'RecordId': responses[0]['RecordId'], 'Encrypted': False}
