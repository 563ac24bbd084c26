"""What the cloud IoT rule does, done on loopback: MQTT topic to Kinesis PutRecord.

The rule is read from the cloud template (``WindowsTopicRule``): its SQL's
topic filter decides which messages are forwarded, and its Kinesis action's
partition key template (``${topic(2)}``, the thing name) is applied to each
message's topic. Only ``SELECT *`` is supported, which is what the rule uses;
anything else is refused at start rather than forwarded differently.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from seesay.cfn import load_template
from seesay.transport.mqtt import MqttTransport

logger = logging.getLogger(__name__)

RULE_LOGICAL_ID = "WindowsTopicRule"
SQL_PATTERN = re.compile(r"^\s*SELECT\s+\*\s+FROM\s+'(?P<topic>[^']+)'\s*$", re.IGNORECASE)
SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")
TOPIC_FUNCTION = re.compile(r"^topic\((\d*)\)$")


class RuleError(ValueError):
    """A rule in the template that the local bridge cannot reproduce faithfully."""


@dataclass(frozen=True)
class KinesisRule:
    """The parts of an IoT topic rule the bridge needs."""

    topic_filter: str
    partition_key: str
    sql: str

    def partition_key_for(self, topic: str) -> str:
        """Apply the rule's ``${topic(n)}`` substitution templates to a topic."""
        levels = topic.split("/")

        def substitute(match: re.Match[str]) -> str:
            function = TOPIC_FUNCTION.match(match.group(1).strip())
            if function is None:
                raise RuleError(f"unsupported substitution ${{{match.group(1)}}}")
            if not function.group(1):
                return topic
            index = int(function.group(1))
            return levels[index - 1] if 1 <= index <= len(levels) else ""

        return SUBSTITUTION.sub(substitute, self.partition_key)


def read_kinesis_rule(template_path: Path, logical_id: str = RULE_LOGICAL_ID) -> KinesisRule:
    """Read the topic rule's SQL and Kinesis partition key from the template."""
    template = load_template(template_path)
    resource = template["Resources"].get(logical_id)
    if resource is None or resource.get("Type") != "AWS::IoT::TopicRule":
        raise RuleError(f"{template_path} has no AWS::IoT::TopicRule named {logical_id}")
    payload = resource["Properties"]["TopicRulePayload"]
    sql = payload["Sql"]
    match = SQL_PATTERN.match(sql) if isinstance(sql, str) else None
    if match is None:
        raise RuleError(f"rule SQL {sql!r} is not of the form SELECT * FROM 'topic/filter'")
    kinesis = [action["Kinesis"] for action in payload["Actions"] if "Kinesis" in action]
    if len(kinesis) != 1:
        raise RuleError(f"rule {logical_id} should have exactly one Kinesis action")
    partition_key = kinesis[0].get("PartitionKey")
    if not isinstance(partition_key, str):
        raise RuleError(f"rule {logical_id}'s Kinesis action has no literal PartitionKey")
    return KinesisRule(topic_filter=match.group("topic"), partition_key=partition_key, sql=sql)


class RuleBridge:
    """Subscribes to the rule's topic filter and puts each message on the stream."""

    def __init__(self, rule: KinesisRule, broker_url: str, kinesis_client, stream_name: str):
        self.rule = rule
        self.stream_name = stream_name
        self.forwarded = 0
        self.failed = 0
        self._kinesis = kinesis_client
        self._broker_url = broker_url
        self._transport: MqttTransport | None = None
        self._lock = threading.Lock()
        self._forwarded_event = threading.Condition(self._lock)

    def start(self) -> RuleBridge:
        self._transport = MqttTransport.connect(self._broker_url, client_id="seesay-iot-rule")
        self._transport.subscribe(self.rule.topic_filter, self._forward)
        logger.info(
            "IoT rule bridge: %s -> Kinesis %s (partition key %s)",
            self.rule.topic_filter, self.stream_name, self.rule.partition_key,
        )
        return self

    def _forward(self, topic: str, payload: bytes) -> None:
        try:
            self._kinesis.put_record(
                StreamName=self.stream_name,
                Data=payload,
                PartitionKey=self.rule.partition_key_for(topic) or topic,
            )
        except Exception as error:  # the real rule would run its error action
            with self._lock:
                self.failed += 1
            logger.error("IoT rule bridge could not put a record from %s: %s", topic, error)
            return
        with self._lock:
            self.forwarded += 1
            self._forwarded_event.notify_all()

    def wait_for(self, count: int, timeout_s: float = 10.0) -> bool:
        """Block until ``count`` messages in all have been forwarded."""
        with self._lock:
            return self._forwarded_event.wait_for(lambda: self.forwarded >= count, timeout_s)

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
