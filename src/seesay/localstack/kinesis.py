"""A Kinesis-compatible endpoint on loopback: moto in server mode."""

from __future__ import annotations

import logging
import time

import boto3

logger = logging.getLogger(__name__)
# moto serves through werkzeug, which logs every request at INFO.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def kinesis_client(endpoint_url: str | None, region: str = LOCAL_REGION):
    """A boto3 Kinesis client; with an endpoint it talks to the local stack."""
    if endpoint_url is None:
        return boto3.client("kinesis")
    return boto3.client(
        "kinesis", endpoint_url=endpoint_url, region_name=region, **LOCAL_CREDENTIALS
    )


class LocalKinesis:
    """moto's ThreadedMotoServer with one stream created in it."""

    def __init__(self, stream_name: str, shard_count: int = 1, host: str = "127.0.0.1") -> None:
        self.stream_name = stream_name
        self.shard_count = shard_count
        self.host = host
        self._server = None
        self.endpoint_url = ""

    def start(self) -> LocalKinesis:
        """Start the server and create the stream; returns once it is ACTIVE."""
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        client = kinesis_client(self.endpoint_url)
        try:
            client.create_stream(StreamName=self.stream_name, ShardCount=self.shard_count)
        except client.exceptions.ResourceInUseException:
            # moto keeps its state per process: a stack started earlier in this
            # process left the stream behind. A new stack starts empty.
            client.delete_stream(StreamName=self.stream_name, EnforceConsumerDeletion=True)
            client.create_stream(StreamName=self.stream_name, ShardCount=self.shard_count)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            summary = client.describe_stream_summary(StreamName=self.stream_name)
            if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        logger.info(
            "Kinesis endpoint on %s with stream %s (%d shards)",
            self.endpoint_url, self.stream_name, self.shard_count,
        )
        return self

    def client(self):
        """A boto3 client for this endpoint."""
        return kinesis_client(self.endpoint_url)

    def stop(self) -> None:
        if self._server is not None:
            try:
                self.client().delete_stream(StreamName=self.stream_name)
            except Exception as error:  # the server is going away anyway
                logger.debug("could not delete stream %s: %s", self.stream_name, error)
            self._server.stop()
            self._server = None
            logger.info("Kinesis endpoint on %s stopped", self.endpoint_url)
