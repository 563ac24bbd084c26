"""The local IoT rule: read from the cloud template, forwarding MQTT to a real Kinesis endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seesay.localstack.iot_rule import KinesisRule, RuleError, read_kinesis_rule
from seesay.paths import cloud_template
from seesay.topics import WINDOWS_TOPIC_FILTER
from seesay.transport.mqtt import MqttTransport


def test_the_rule_is_read_from_the_cloud_template():
    rule = read_kinesis_rule(cloud_template())
    assert rule.topic_filter == WINDOWS_TOPIC_FILTER
    assert rule.partition_key == "${topic(2)}"
    assert rule.partition_key_for("seesay/kitchen-pi/windows") == "kitchen-pi"


def test_a_rule_the_bridge_cannot_reproduce_is_refused(tmp_path: Path):
    template = cloud_template().read_text().replace(
        "SELECT * FROM 'seesay/+/windows'", "SELECT objects FROM 'seesay/+/windows' WHERE frames > 0"
    )
    changed = tmp_path / "template.yaml"
    changed.write_text(template)
    with pytest.raises(RuleError, match="SELECT"):
        read_kinesis_rule(changed)


def test_unsupported_substitutions_are_refused():
    with pytest.raises(RuleError, match="clientid"):
        KinesisRule("a/+", "${clientid()}", "SELECT * FROM 'a/+'").partition_key_for("a/b")


def _read_all(client, stream):
    records = []
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records.extend(client.get_records(ShardIterator=iterator, Limit=1000)["Records"])
    return records


def test_messages_on_the_rule_topic_reach_kinesis_keyed_by_thing_name(local_stack):
    before = local_stack.bridge.forwarded
    with MqttTransport.connect(local_stack.mqtt_url, "device") as device:
        device.publish_to_cloud("seesay/kitchen-pi/windows", b'{"n": 1}')
        device.publish_to_cloud("seesay/porch-cam/windows", b'{"n": 2}')
        device.publish_to_cloud("seesay/kitchen-pi/other", b'{"n": 3}')
    assert local_stack.bridge.wait_for(before + 2, timeout_s=10)
    records = _read_all(local_stack.kinesis.client(), local_stack.stream_name)
    keyed = {(r["PartitionKey"], json.loads(r["Data"])["n"]) for r in records}
    assert {("kitchen-pi", 1), ("porch-cam", 2)} <= keyed
    assert all(n != 3 for _, n in keyed)
