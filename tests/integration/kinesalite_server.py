"""kinesalite (a local Kinesis Data Streams, from npm, installed by scripts/install-deps.sh
--tests into tests/integration/kinesalite/node_modules) in a subprocess, with botocore calls to
create streams and read back every record of every shard.

Run under Debian's /usr/bin/python3 (botocore). Every wait is bounded in time.
"""
import os
import subprocess
import time

import botocore.config
import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
STARTER = os.path.join(HERE, "kinesalite", "start-kinesalite.js")


class Kinesalite:
    """kinesalite in memory on 127.0.0.1; `url` for AWS_ENDPOINT_URL_KINESIS."""

    def __init__(self, log_path, timeout=20):
        if not os.path.isdir(os.path.join(HERE, "kinesalite", "node_modules", "kinesalite")):
            raise RuntimeError("kinesalite is not installed; run scripts/install-deps.sh --tests")
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(["node", STARTER], stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.monotonic() + timeout
        line = b""
        while not line.startswith(b"PORT ") and time.monotonic() < deadline and self.process.poll() is None:
            line = self.process.stdout.readline()
        if not line.startswith(b"PORT "):
            self.stop()
            raise RuntimeError(f"kinesalite did not start (see {log_path})")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        # kinesalite wants a signed request but checks no signature: any key will do.
        self.client = botocore.session.get_session().create_client(
            "kinesis", endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="AKIDKINESALITE",
            aws_secret_access_key="kinesalite", config=botocore.config.Config(retries={"total_max_attempts": 3}))

    def create_stream(self, name, shards=2, timeout=10):
        self.client.create_stream(StreamName=name, ShardCount=shards)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
            if status == "ACTIVE":
                return
            time.sleep(0.05)
        raise AssertionError(f"Kinesis stream {name} did not become ACTIVE")

    def records(self, name):
        """Every record of every shard of `name`, oldest first per shard: (partition key, data)."""
        records = []
        shards = self.client.list_shards(StreamName=name)["Shards"]
        for shard in shards:
            iterator = self.client.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            for _ in range(10000):  # bounded: each page holds up to 10,000 records
                page = self.client.get_records(ShardIterator=iterator, Limit=10000)
                records += [(record["PartitionKey"], record["Data"]) for record in page["Records"]]
                if not page["Records"]:
                    break
                iterator = page["NextShardIterator"]
        return records

    def stop(self):
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process.stdout.close()
        self.log.close()
