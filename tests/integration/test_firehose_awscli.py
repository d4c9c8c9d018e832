"""The Firehose stand-in (tests/firehose/) answers a real AWS client as AWS does: Debian's
`aws` CLI (v2, which bundles its own botocore — signer, serializers, retry handler, error
parser — separate from the python3-botocore the stand-in checks with) describes streams,
puts records, retries a throttled call, reads per-record failures and the signature and
validation error shapes. What the relay is tested against is then more than our own idea
of Firehose."""
import base64
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from relay_harness import dump_events
from test_firehose import STREAM, Endpoint

AWS_CLI = "/usr/bin/aws"  # Debian's awscli; an `aws` earlier on PATH may be another build


def record(stream, messages):
    """One record as the relay writes it (docs/behaviour.md §4.3): gzip of the CloudWatch Logs shape."""
    group = "/kinesyslog/syslog/5514"
    events = [{"id": f"{n:056d}", "timestamp": 1_764_000_000_000 + n, "message": text}
              for n, text in enumerate(messages)]
    body = {"owner": "000000000000", "logGroup": group, "logStream": stream, "subscriptionFilters": [group],
            "messageType": "DATA_MESSAGE", "logEvents": events}
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode())


class AwsCliAgainstTheEndpoint(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="kinesyslog-awscli-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.endpoint = Endpoint(self.workdir)
        self.addCleanup(self.endpoint.stop)

    def aws(self, *args, secret="SECRETTEST", check=True):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY=secret,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="",
                   AWS_MAX_ATTEMPTS="3", AWS_RETRY_MODE="standard", HOME=self.workdir)
        env.pop("AWS_PROFILE", None)
        result = subprocess.run([AWS_CLI, "--region", "us-east-1", "--endpoint-url",
                                 f"http://127.0.0.1:{self.endpoint.port}", "--output", "json", *args],
                                capture_output=True, timeout=60, env=env)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            return json.loads(result.stdout or b"{}")
        return result

    def put(self, records, **kwargs):
        path = os.path.join(self.workdir, "records.json")
        with open(path, "w") as entries:
            json.dump([{"Data": base64.b64encode(data).decode()} for data in records], entries)
        return self.aws("firehose", "put-record-batch", "--delivery-stream-name", STREAM,
                        "--records", f"file://{path}", **kwargs)

    def test_describe_reports_the_stream_status(self):
        active = self.aws("firehose", "describe-delivery-stream", "--delivery-stream-name", STREAM)
        self.assertEqual(active["DeliveryStreamDescription"]["DeliveryStreamName"], STREAM)
        self.assertEqual(active["DeliveryStreamDescription"]["DeliveryStreamStatus"], "ACTIVE")
        pending = self.aws("firehose", "describe-delivery-stream", "--delivery-stream-name", "pending")
        self.assertEqual(pending["DeliveryStreamDescription"]["DeliveryStreamStatus"], "CREATING")
        missing = self.aws("firehose", "describe-delivery-stream", "--delivery-stream-name", "nope", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn(b"ResourceNotFoundException", missing.stderr)

    def test_records_put_by_the_cli_are_written_as_firehose_writes_them(self):
        records = [record(f"192.0.2.{n}", [f"<13>message {n}.{i}" for i in range(50)]) for n in range(20)]
        answer = self.put(records)
        self.assertEqual(answer["FailedPutCount"], 0)
        self.assertEqual(len(answer["RequestResponses"]), 20)
        self.assertTrue(all(entry.get("RecordId") for entry in answer["RequestResponses"]))
        events = dump_events(self.endpoint.objects())
        self.assertEqual(sorted(e["message"] for e in events),
                         sorted(f"<13>message {n}.{i}" for n in range(20) for i in range(50)))
        self.assertEqual(self.endpoint.counters()["signature_failures"], 0)

    def test_a_throttled_call_is_retried_by_the_cli_and_then_accepted(self):
        self.endpoint.admin("/_admin/faults", {"throttle": 1, "operations": ["PutRecordBatch"]})
        answer = self.put([record("192.0.2.1", ["<13>after a throttle"])])
        self.assertEqual(answer["FailedPutCount"], 0)
        counters = self.endpoint.counters()
        self.assertEqual(counters["calls"]["PutRecordBatch"], 2, counters)
        self.assertEqual(counters["records_accepted"], 1)

    def test_failed_records_come_back_with_an_error_code_and_no_record_id(self):
        self.endpoint.admin("/_admin/faults", {"fail_records": 2, "operations": ["PutRecordBatch"]})
        answer = self.put([record("192.0.2.1", [f"<13>m{n}"]) for n in range(5)])
        self.assertEqual(answer["FailedPutCount"], 2)
        failed = [entry for entry in answer["RequestResponses"] if "ErrorCode" in entry]
        self.assertEqual([entry["ErrorCode"] for entry in failed], ["ServiceUnavailableException"] * 2)
        self.assertTrue(all("RecordId" not in entry for entry in failed))
        self.assertEqual(self.endpoint.counters()["records_accepted"], 3)

    def test_a_wrong_secret_is_refused_with_aws_error_shape(self):
        result = self.aws("firehose", "describe-delivery-stream", "--delivery-stream-name", STREAM,
                          secret="WRONG", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"InvalidSignatureException", result.stderr)
        self.assertEqual(self.endpoint.counters()["signature_failures"], 1)

    def test_more_than_500_records_is_a_validation_error_the_cli_reports(self):
        # The CLI validates only minimums client-side, so the call reaches the endpoint.
        result = self.put([b"x"] * 501, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"ValidationException", result.stderr)
        self.assertIn(b"less than or equal to 500", result.stderr)


if __name__ == "__main__":
    unittest.main()
