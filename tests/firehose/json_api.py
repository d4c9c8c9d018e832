"""The JSON 1.1 protocol calls of Firehose and Kinesis Data Streams: the signature checked for the
service, the target and the body checked against the service's botocore model, then the
operation's own method (``firehose_<Operation>``, ``kinesis_<Operation>``). A mixin of the HTTP
request handler."""

import json
import logging
import time
import uuid

from aws_model import ApiError, validate_params, wire_to_params
from sigv4_check import AuthFailure

LOG = logging.getLogger('firehose-endpoint')


class JsonApi:
    """``handle_json_call`` and the error answers of the JSON 1.1 protocol."""

    def send_json_error(self, err, request_id):
        self.count_error(err)
        self.send_json(err.status, {'__type': err.code, 'message': err.message},
                       {'x-amzn-RequestId': request_id, 'x-amzn-ErrorType': '%s:' % err.code},
                       'application/x-amz-json-1.1')

    def handle_json_call(self, body, service):
        """`service`: 'firehose' or 'kinesis' (the signing name, and the prefix of the methods)."""
        ep = self.endpoint
        model = getattr(ep.models, service)
        request_id = str(uuid.uuid4())
        try:
            try:
                ep.verifier.verify('POST', self.path, self.headers, body, ep.scheme,
                                   service, (ep.config.region,))
            except AuthFailure as failure:
                raise failure.api_error('json') from None
            target = self.headers['X-Amz-Target']
            prefix, _, op_name = target.partition('.')
            if prefix != model.metadata['targetPrefix'] or op_name not in model.operation_names:
                raise ApiError('UnknownOperationException', 'Unknown operation %s' % target)
            stall_after = ep.begin_call(op_name, service)
            content_type = self.headers.get('Content-Type', '')
            if not content_type.startswith('application/x-amz-json-1.1'):
                raise ApiError('SerializationException',
                               "Content-Type must be 'application/x-amz-json-1.1', got '%s'" % content_type)
            op_model = model.operation_model(op_name)
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
            handler = getattr(self, '%s_%s' % (service, op_name), None)
            if handler is None:
                raise ApiError('UnknownOperationException',
                               '%s is not implemented by the test endpoint' % op_name)
            result = handler(params)
            if stall_after:
                time.sleep(stall_after)
            self.send_json(200, result, {'x-amzn-RequestId': request_id}, 'application/x-amz-json-1.1')
        except ApiError as err:
            self.send_json_error(err, request_id)
