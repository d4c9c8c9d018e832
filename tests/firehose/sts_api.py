"""STS (query protocol, XML answers): GetCallerIdentity, AssumeRole and
AssumeRoleWithWebIdentity.  A mixin of the HTTP request handler."""

import hmac
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape

from aws_model import ApiError, validate_params
from sigv4_check import AuthFailure, iso8601

UNSIGNED_STS_ACTIONS = ('AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'


class StsApi:
    """``handle_sts`` and one ``sts_<Action>`` method per action."""

    def send_query_error(self, err, request_id):
        self.count_error(err)
        kind = 'Receiver' if err.status >= 500 else 'Sender'
        xml = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
               '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
               % (STS_NS, kind, xml_escape(err.code), xml_escape(err.message), request_id))
        self.send(err.status, xml.encode(), 'text/xml', {'x-amzn-RequestId': request_id})

    def handle_sts(self, body):
        ep = self.endpoint
        request_id = str(uuid.uuid4())
        try:
            try:
                form = urllib.parse.parse_qs(body.decode('utf-8'), keep_blank_values=True,
                                             strict_parsing=False)
            except UnicodeDecodeError:
                raise ApiError('MalformedQueryString', 'Request body is not UTF-8') from None
            form = {k: v[0] for k, v in form.items()}
            action = form.pop('Action', None)
            version = form.pop('Version', None)
            if not action:
                raise ApiError('MissingAction', 'Missing Action')
            if action not in ep.models.sts.operation_names:
                raise ApiError('InvalidAction', 'Could not find operation %s for version %s' % (action, version))
            if version != ep.models.sts.api_version:
                raise ApiError('InvalidAction', 'Could not find operation %s for version %s' % (action, version))
            op_model = ep.models.sts.operation_model(action)
            caller = None
            # botocore sends these two unsigned (a handler, not the model, says so).
            if op_model.auth_type != 'none' and action not in UNSIGNED_STS_ACTIONS:
                try:
                    caller = ep.verifier.verify('POST', self.path, self.headers, body, ep.scheme,
                                                'sts', (ep.config.region, 'us-east-1'))
                except AuthFailure as failure:
                    raise failure.api_error('query') from None
            stall_after = ep.begin_call(action, 'sts')
            params = {}
            shape = op_model.input_shape
            for name, member in (shape.members.items() if shape else ()):
                if name in form and member.type_name not in ('list', 'structure', 'map'):
                    value = form[name]
                    if member.type_name in ('integer', 'long'):
                        try:
                            value = int(value)
                        except ValueError:
                            pass
                    params[name] = value
            if shape is not None:
                validate_params(params, shape, validation_code='ValidationError')
            handler = getattr(self, 'sts_' + action, None)
            if handler is None:
                raise ApiError('InvalidAction', '%s is not implemented by the test endpoint' % action)
            result = handler(params, caller)
            if stall_after:
                time.sleep(stall_after)
            xml = ('<{0}Response xmlns="{1}">\n  <{0}Result>\n{2}  </{0}Result>\n'
                   '  <ResponseMetadata>\n    <RequestId>{3}</RequestId>\n  </ResponseMetadata>\n'
                   '</{0}Response>\n').format(action, STS_NS, result, request_id)
            self.send(200, xml.encode(), 'text/xml', {'x-amzn-RequestId': request_id})
        except ApiError as err:
            self.send_query_error(err, request_id)

    @staticmethod
    def _xml(fields, indent='    '):
        out = []
        for key, value in fields:
            if isinstance(value, list):
                out.append('%s<%s>\n%s%s</%s>\n' % (indent, key, StsApi._xml(value, indent + '  '), indent, key))
            else:
                out.append('%s<%s>%s</%s>\n' % (indent, key, xml_escape(str(value)), key))
        return ''.join(out)

    def _issue_role(self, params, source):
        ep = self.endpoint
        cred = ep.store.issue(ep.config.credential_lifetime, params['RoleArn'],
                              params['RoleSessionName'], source)
        user = [('AssumedRoleId', cred.user_id), ('Arn', cred.arn)]
        creds = [('AccessKeyId', cred.access_key), ('SecretAccessKey', cred.secret_key),
                 ('SessionToken', cred.token), ('Expiration', iso8601(cred.expires))]
        return user, creds

    def sts_GetCallerIdentity(self, params, caller):
        return self._xml([('Arn', caller.arn), ('UserId', caller.user_id),
                          ('Account', self.endpoint.config.account_id)])

    def sts_AssumeRole(self, params, caller):
        user, creds = self._issue_role(params, 'AssumeRole')
        return self._xml([('AssumedRoleUser', user), ('Credentials', creds)])

    def sts_AssumeRoleWithWebIdentity(self, params, caller):
        expected = self.endpoint.config.web_identity_token
        token = params['WebIdentityToken']
        if expected is not None and not hmac.compare_digest(token.encode(), expected.encode()):
            raise ApiError('InvalidIdentityToken', 'The web identity token that was passed could '
                           'not be validated by AWS. Get a new identity token from the identity '
                           'provider and then retry the request.')
        user, creds = self._issue_role(params, 'AssumeRoleWithWebIdentity')
        return self._xml([('SubjectFromWebIdentityToken', 'system:serviceaccount:kinesyslog:relay'),
                          ('Audience', 'sts.amazonaws.com'), ('AssumedRoleUser', user),
                          ('Credentials', creds),
                          ('Provider', 'arn:aws:iam::%s:oidc-provider/kinesyslog.test'
                           % self.endpoint.config.account_id)])
