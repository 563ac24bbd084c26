"""The stream reader against a real Kinesis API: a moto server on 127.0.0.1 (K03, K04).

ListShards pagination is tested with botocore's Stubber instead: moto 5.2.5
insists on StreamName alongside NextToken, which AWS refuses.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from seesay_skill.deadline import Deadline
from seesay_skill.stream_reader import StreamReader

LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


def read(kinesis, stream, devices=frozenset(), since=LONG_AGO, **options):
    reader = StreamReader(kinesis, stream, devices, **options)
    return reader.read(since, Deadline.after(5.0))


def test_one_shard(kinesis, make_stream, put_window, window, request_time) -> None:
    stream = make_stream(1)
    put_window(stream, window(end=request_time - timedelta(seconds=30), objects={"cat": (3, 1)}))
    put_window(stream, window(objects={"dog": (4, 2)}))

    result = read(kinesis, stream)

    assert result.caught_up
    assert (result.shards, result.records, result.windows, result.skipped) == (1, 2, 2, 0)
    latest = result.latest[("kitchen-pi", "default")]
    assert [seen.name for seen in latest.objects] == ["dog"]
    assert set(result.label_last_seen) == {"cat", "dog"}


def test_two_shards_with_every_record_in_one_of_them(
    kinesis, make_stream, put_window, window
) -> None:
    """K03: a constant partition key fills one shard; the other must still be read."""
    stream = make_stream(2)
    for device in ("porch-pi", "garage-pi", "attic-pi"):
        put_window(stream, window(device=device, objects={"person": (2, 1)}), key="constant")
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    counts = [
        len(kinesis.get_records(ShardIterator=kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"])["Records"])
        for shard in shards
    ]
    assert sorted(counts) == [0, 3]  # the case really puts everything in one shard

    result = read(kinesis, stream)

    assert result.shards == 2
    assert {device for device, _ in result.latest} == {"porch-pi", "garage-pi", "attic-pi"}


def test_devices_spread_over_two_shards(kinesis, make_stream, put_window, window) -> None:
    stream = make_stream(2)
    devices = [f"pi-{index}" for index in range(12)]
    for device in devices:
        put_window(stream, window(device=device, objects={"cup": (2, 1)}))

    result = read(kinesis, stream)

    assert result.shards == 2
    assert {device for device, _ in result.latest} == set(devices)


def test_after_a_reshard_parents_and_children_are_read(
    kinesis, make_stream, put_window, window
) -> None:
    stream = make_stream(1)
    put_window(stream, window(device="before-split", objects={"cat": (2, 1)}))
    parent = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    kinesis.split_shard(
        StreamName=stream, ShardToSplit=parent, NewStartingHashKey=str(2**127)
    )
    for device in ("after-split-a", "after-split-b", "after-split-c"):
        put_window(stream, window(device=device, objects={"dog": (2, 1)}))

    result = read(kinesis, stream)

    assert result.shards == 3
    assert {device for device, _ in result.latest} == {
        "before-split", "after-split-a", "after-split-b", "after-split-c"
    }


def test_concatenated_and_broken_records(kinesis, make_stream, window) -> None:
    """K04: several objects in one record are all read; non-JSON is counted and skipped."""
    stream = make_stream(1)
    first = window(camera="front", objects={"dog": (2, 1)})
    second = window(camera="back", objects={"cat": (2, 1)})
    third = window(camera="side", objects={"cup": (2, 1)})
    payloads = [
        (json.dumps(first) + json.dumps(second)).encode(),
        (json.dumps(third) + "\n").encode(),
        b"\x89PNG\r\n\x1a\n not json at all",
        b"[1, 2, 3]",
        json.dumps({"schema": "seesay.window/1", "device": "kitchen-pi"}).encode(),
    ]
    for payload in payloads:
        kinesis.put_record(StreamName=stream, PartitionKey="kitchen-pi", Data=payload)

    result = read(kinesis, stream)

    assert result.records == 5
    assert {camera for _, camera in result.latest} == {"front", "back", "side"}
    assert result.skipped == 3


def test_only_configured_devices_are_kept(kinesis, make_stream, put_window, window) -> None:
    stream = make_stream(1)
    put_window(stream, window(device="porch-pi", objects={"dog": (2, 1)}))
    put_window(stream, window(device="neighbour-pi", objects={"cat": (2, 1)}))
    # A record from an allowed device's topic that claims to be another device.
    put_window(stream, window(device="neighbour-pi", objects={"cat": (2, 1)}), key="porch-pi")

    result = read(kinesis, stream, devices=frozenset({"porch-pi"}))

    assert set(result.latest) == {("porch-pi", "default")}
    assert result.ignored == 2
    assert "cat" not in result.label_last_seen


def test_reads_from_the_look_back_start(kinesis, make_stream, put_window, window) -> None:
    stream = make_stream(1)
    put_window(stream, window(device="old-pi", objects={"cat": (2, 1)}))
    time.sleep(0.05)
    since = datetime.now(timezone.utc)
    time.sleep(0.05)
    put_window(stream, window(device="new-pi", objects={"dog": (2, 1)}))

    result = read(kinesis, stream, since=since)

    assert {device for device, _ in result.latest} == {"new-pi"}


def test_newest_window_per_camera_wins_whatever_the_order(
    kinesis, make_stream, put_window, window, request_time
) -> None:
    stream = make_stream(1)
    put_window(stream, window(end=request_time, objects={"dog": (2, 1)}))
    put_window(stream, window(end=request_time - timedelta(minutes=1), objects={"cat": (2, 1)}))

    result = read(kinesis, stream)

    assert [seen.name for seen in result.latest[("kitchen-pi", "default")].objects] == ["dog"]
