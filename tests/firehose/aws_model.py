"""botocore's Firehose, Kinesis and STS service models, and request validation against them.

``wire_to_params`` turns a JSON body into botocore parameters; ``validate_params``
runs botocore's ``ParamValidator`` plus the max, pattern and enum checks botocore
leaves out, and raises ``ApiError`` with AWS's own wording.
"""

import base64
import binascii
import datetime
import re

import botocore.loaders
import botocore.model
import botocore.validate


class ServiceModels:
    """The Firehose, Kinesis and STS models shipped with botocore."""

    def __init__(self):
        loader = botocore.loaders.create_loader()
        self.firehose = botocore.model.ServiceModel(
            loader.load_service_model('firehose', 'service-2'), 'firehose')
        self.kinesis = botocore.model.ServiceModel(
            loader.load_service_model('kinesis', 'service-2'), 'kinesis')
        self.sts = botocore.model.ServiceModel(
            loader.load_service_model('sts', 'service-2'), 'sts')
        self.stream_statuses = set(
            self.firehose.shape_for('DeliveryStreamStatus').enum)
        self.kinesis_stream_statuses = set(self.kinesis.shape_for('StreamStatus').enum)


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
