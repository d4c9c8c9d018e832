"""Injected faults and the counters the admin API reports."""

import collections


class Faults:
    FIELDS = ('throttle', 'error500', 'fail_fraction', 'fail_records', 'stall',
              'stall_calls', 'stall_phase', 'operations', 'refuse_text', 'kinesis_record_error')

    def __init__(self):
        self.clear()

    def clear(self):
        self.throttle = 0          # next N calls: ServiceUnavailableException (HTTP 500, a server fault)
        self.error500 = 0          # next N calls: HTTP 500 InternalFailure
        self.fail_fraction = 0.0   # fraction of records failed in RequestResponses
        self.fail_records = 0      # next N records failed in RequestResponses
        self.stall = 0.0           # seconds to wait before answering ...
        self.stall_calls = 0       # ... the next N calls (-1: every call until cleared)
        self.stall_phase = 'before'  # 'before' processing, or 'after' (records written)
        self.operations = None     # None: every Firehose and Kinesis operation; else a list of op names
        self.refuse_text = None    # a put holding a record whose (gunzipped) data contains it is refused
        # What a failed Kinesis record says in PutRecords' Records: ProvisionedThroughputExceededException
        # or InternalFailure; 'alternate' takes each in turn.
        self.kinesis_record_error = 'ProvisionedThroughputExceededException'
        self._alternate = 0
        self._acc = 0.0

    def as_json(self):
        return {k: getattr(self, k) for k in self.FIELDS}

    def applies(self, operation, service):
        if self.operations is None:
            return service in ('firehose', 'kinesis')
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
        # per stream: {gzip members in one accepted record: how many records held that many}
        self.members_per_record = collections.defaultdict(collections.Counter)
        self.billed_bytes = 0
        self.kinesis_streams = collections.defaultdict(collections.Counter)   # records, bytes, records_failed
        self.kinesis_partition_keys = collections.defaultdict(collections.Counter)
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
            'billed_bytes': self.billed_bytes,
            'objects_written': self.objects_written,
            'signature_failures': self.signature_failures,
            'auth_failures': dict(self.auth_failures),
            'errors': dict(self.errors),
            'faults': dict(self.faults),
            'unknown_members': self.unknown_members,
            'streams': {k: self._stream_json(k) for k in self.streams},
            'kinesis_streams': {k: dict(v, partition_keys=dict(self.kinesis_partition_keys[k]))
                                for k, v in self.kinesis_streams.items()},
        }

    def _stream_json(self, name):
        stream = dict(self.streams[name])
        members = self.members_per_record.get(name, {})
        stream['members_per_record'] = {str(n): count for n, count in sorted(members.items())}
        return stream
