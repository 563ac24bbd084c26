"""Starting and stopping the whole local stack as one thing."""

from __future__ import annotations

import logging
from pathlib import Path

from seesay.localstack.broker import EmbeddedBroker
from seesay.localstack.iot_rule import RuleBridge, read_kinesis_rule
from seesay.localstack.kinesis import LocalKinesis
from seesay.paths import cloud_template

logger = logging.getLogger(__name__)

DEFAULT_STREAM_NAME = "seesay-windows"


class LocalStack:
    """An MQTT broker, a Kinesis endpoint and the IoT rule between them, on loopback."""

    def __init__(
        self,
        stream_name: str = DEFAULT_STREAM_NAME,
        shard_count: int = 1,
        template: Path | None = None,
    ) -> None:
        self.broker = EmbeddedBroker()
        self.kinesis = LocalKinesis(stream_name, shard_count)
        self.rule = read_kinesis_rule(template or cloud_template())
        self.bridge: RuleBridge | None = None

    @property
    def mqtt_url(self) -> str:
        return self.broker.url

    @property
    def kinesis_endpoint(self) -> str:
        return self.kinesis.endpoint_url

    @property
    def stream_name(self) -> str:
        return self.kinesis.stream_name

    def start(self) -> LocalStack:
        self.broker.start()
        self.kinesis.start()
        self.bridge = RuleBridge(
            self.rule, self.broker.url, self.kinesis.client(), self.kinesis.stream_name
        ).start()
        logger.info("local stack up: MQTT %s, Kinesis %s", self.mqtt_url, self.kinesis_endpoint)
        return self

    def environment(self) -> dict[str, str]:
        """Variables that point a component or the skill at this stack."""
        return {
            "SEESAY_TRANSPORT": "mqtt",
            "SEESAY_MQTT_URL": self.mqtt_url,
            "KINESIS_ENDPOINT_URL": self.kinesis_endpoint,
            "STREAM_NAME": self.stream_name,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }

    def stop(self) -> None:
        if self.bridge is not None:
            self.bridge.stop()
        self.kinesis.stop()
        self.broker.stop()
        logger.info("local stack stopped")

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
