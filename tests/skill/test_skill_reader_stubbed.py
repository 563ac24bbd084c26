"""The stream reader against scripted Kinesis answers: empty pages (K01), throttling and
expired iterators (K02), ListShards pages (K03), errors. No network; a fake clock."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import ANY, Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seesay_skill.deadline import Deadline
from seesay_skill.shards import Shard, list_shards, parents_first
from seesay_skill.stream_reader import StreamReader, StreamUnavailable

STREAM = "seesay-windows"
SINCE = datetime(2025, 6, 1, 11, 45, tzinfo=timezone.utc)


@pytest.fixture
def client():
    return boto3.client(
        "kinesis",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubber(client):
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def shard_listing(stubber: Stubber, *shard_ids: str) -> None:
    stubber.add_response(
        "list_shards",
        {"Shards": [shard(shard_id) for shard_id in shard_ids]},
        {"StreamName": STREAM, "MaxResults": ANY},
    )


def shard(shard_id: str, parent: str | None = None) -> dict:
    description = {
        "ShardId": shard_id,
        "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
        "SequenceNumberRange": {"StartingSequenceNumber": "1"},
    }
    if parent:
        description["ParentShardId"] = parent
    return description


def iterator_at_timestamp(stubber: Stubber, shard_id: str, iterator: str) -> None:
    stubber.add_response(
        "get_shard_iterator",
        {"ShardIterator": iterator},
        {
            "StreamName": STREAM,
            "ShardId": shard_id,
            "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": SINCE,
        },
    )


def page(stubber: Stubber, iterator: str, records=(), behind_ms=0, next_iterator="next"):
    response = {"Records": list(records), "MillisBehindLatest": behind_ms}
    if next_iterator is not None:
        response["NextShardIterator"] = next_iterator
    stubber.add_response("get_records", response, {"ShardIterator": iterator, "Limit": ANY})


def record(sequence: str, window: dict, key: str = "kitchen-pi") -> dict:
    return {
        "SequenceNumber": sequence,
        "Data": json.dumps(window).encode(),
        "PartitionKey": key,
        "ApproximateArrivalTimestamp": datetime(2025, 6, 1, 11, 59, 55, tzinfo=timezone.utc),
    }


def reader(client, fake_clock, **options) -> StreamReader:
    return StreamReader(client, STREAM, sleep=fake_clock.sleep, **options)


def test_list_shards_follows_next_token_without_the_stream_name(client, stubber) -> None:
    stubber.add_response(
        "list_shards",
        {"Shards": [shard("shardId-000000000002", parent="shardId-000000000000")],
         "NextToken": "page-2"},
        {"StreamName": STREAM, "MaxResults": 1},
    )
    stubber.add_response(
        "list_shards",
        {"Shards": [shard("shardId-000000000000")]},
        {"NextToken": "page-2", "MaxResults": 1},
    )

    shards = list_shards(client, STREAM, page_size=1)

    assert [found.shard_id for found in shards] == ["shardId-000000000000", "shardId-000000000002"]


def test_parents_come_before_children() -> None:
    # Ids chosen so that sorting by id alone would put children first.
    shards = [
        Shard("shard-0", "shard-a", "shard-c"),  # a merge of a and c
        Shard("shard-a", "shard-b"),  # a and c: a split of b
        Shard("shard-c", "shard-b"),
        Shard("shard-b"),
        Shard("shard-9", "shard-8"),  # its parent has aged out of the stream
    ]

    ordered = [found.shard_id for found in parents_first(shards)]

    assert ordered.index("shard-b") < ordered.index("shard-a") < ordered.index("shard-0")
    assert ordered.index("shard-c") < ordered.index("shard-0")
    assert sorted(ordered) == sorted(found.shard_id for found in shards)


def test_empty_pages_are_not_the_end_of_the_stream(client, stubber, fake_clock, window) -> None:
    """K01: three empty pages that are still behind, then the data, then the tip."""
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    for number in range(3):
        page(stubber, f"it-{number}", behind_ms=86_000, next_iterator=f"it-{number + 1}")
    page(stubber, "it-3", [record("1", window(objects={"dog": (3, 1)}))], 0, "it-4")
    page(stubber, "it-4", behind_ms=0)

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up
    assert result.pages == 5
    assert [seen.name for seen in result.latest[("kitchen-pi", "default")].objects] == ["dog"]


def test_throttling_backs_off_then_reads(client, stubber, fake_clock, window) -> None:
    """K02: ProvisionedThroughputExceeded twice, with growing pauses, then the data."""
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    for _ in range(2):
        stubber.add_client_error(
            "get_records", "ProvisionedThroughputExceededException", "Rate exceeded"
        )
    page(stubber, "it-0", [record("1", window(objects={"cat": (3, 1)}))], 0, "it-1")
    page(stubber, "it-1")

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up
    assert result.throttled == 2
    assert fake_clock.sleeps[:2] == [pytest.approx(0.1), pytest.approx(0.2)]
    assert ("kitchen-pi", "default") in result.latest


def test_an_expired_iterator_is_acquired_again_after_the_last_record(
    client, stubber, fake_clock, window
) -> None:
    """K02: ExpiredIteratorException; resume after the last sequence number read."""
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    page(stubber, "it-0", [record("41", window(objects={"cat": (3, 1)}))], 3000, "it-1")
    stubber.add_client_error("get_records", "ExpiredIteratorException", "Iterator expired")
    stubber.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-fresh"},
        {
            "StreamName": STREAM,
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
            "StartingSequenceNumber": "41",
        },
    )
    page(stubber, "it-fresh")

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up
    assert result.reacquired == 1


def test_an_iterator_that_expires_before_any_record_restarts_at_the_timestamp(
    client, stubber, fake_clock
) -> None:
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    stubber.add_client_error("get_records", "ExpiredIteratorException", "Iterator expired")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-again")
    page(stubber, "it-again")

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up
    assert result.reacquired == 1


def test_a_closed_shard_ends_when_it_has_no_next_iterator(
    client, stubber, fake_clock, window
) -> None:
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    page(stubber, "it-0", [record("1", window(objects={"cat": (3, 1)}))], 0, next_iterator=None)

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up
    assert result.pages == 1


def test_list_shards_throttled_once_is_retried(client, stubber, fake_clock) -> None:
    stubber.add_client_error("list_shards", "LimitExceededException", "Rate exceeded")
    shard_listing(stubber)

    result = reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))

    assert result.caught_up and result.shards == 0


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "AccessDeniedException"])
def test_a_stream_that_cannot_be_listed_is_unavailable(client, stubber, fake_clock, code) -> None:
    stubber.add_client_error("list_shards", code, "no")

    with pytest.raises(StreamUnavailable, match=code):
        reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))


def test_access_denied_on_a_shard_is_unavailable(client, stubber, fake_clock) -> None:
    shard_listing(stubber, "shardId-000000000000")
    iterator_at_timestamp(stubber, "shardId-000000000000", "it-0")
    stubber.add_client_error("get_records", "AccessDeniedException", "no")

    with pytest.raises(StreamUnavailable, match="AccessDenied"):
        reader(client, fake_clock).read(SINCE, Deadline.after(5.0, fake_clock))


def test_naive_since_is_refused(client, fake_clock) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        reader(client, fake_clock).read(datetime(2025, 6, 1), Deadline.after(5.0, fake_clock))


class ScriptedKinesis:
    """A Kinesis client whose GetRecords answers come from a function, forever."""

    def __init__(self, get_records, shard_ids=("shardId-000000000000",)) -> None:
        self._get_records = get_records
        self._shard_ids = shard_ids
        self.calls = 0

    def list_shards(self, **request):
        return {"Shards": [{"ShardId": shard_id} for shard_id in self._shard_ids]}

    def get_shard_iterator(self, **request):
        return {"ShardIterator": f"{request['ShardId']}/start"}

    def get_records(self, ShardIterator, Limit):  # noqa: N803 - boto3's names
        self.calls += 1
        return self._get_records(self.calls)


def throttled(call: int):
    raise ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "GetRecords",
    )


def test_throttled_forever_stops_at_the_deadline(fake_clock) -> None:
    client = ScriptedKinesis(throttled, shard_ids=("shard-a", "shard-b"))
    deadline = Deadline.after(3.0, fake_clock)

    result = StreamReader(client, STREAM, sleep=fake_clock.sleep).read(SINCE, deadline)

    assert not result.caught_up
    assert result.throttled >= 6
    assert max(fake_clock.sleeps) <= 1.0
    assert fake_clock.now == pytest.approx(deadline.at, abs=1e-6)


def test_best_so_far_when_the_stream_then_throttles(fake_clock, window) -> None:
    def first_data_then_throttled(call: int):
        if call == 1:
            data = record("1", window(objects={"dog": (3, 2)}))
            return {"Records": [data], "NextShardIterator": "next", "MillisBehindLatest": 9000}
        throttled(call)

    result = StreamReader(
        ScriptedKinesis(first_data_then_throttled), STREAM, sleep=fake_clock.sleep
    ).read(SINCE, Deadline.after(2.0, fake_clock))

    assert not result.caught_up
    assert [seen.name for seen in result.latest[("kitchen-pi", "default")].objects] == ["dog"]


def test_unreachable_endpoint_is_unavailable_at_the_deadline(fake_clock) -> None:
    def unreachable(call: int):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with pytest.raises(StreamUnavailable, match="no shard"):
        StreamReader(ScriptedKinesis(unreachable), STREAM, sleep=fake_clock.sleep).read(
            SINCE, Deadline.after(2.0, fake_clock)
        )


def test_empty_pages_are_paced_to_the_shard_read_limit(fake_clock) -> None:
    """GetRecords allows five calls a second per shard: never faster than that."""

    def always_behind(call: int):
        return {"Records": [], "NextShardIterator": "next", "MillisBehindLatest": 60_000}

    client = ScriptedKinesis(always_behind)
    StreamReader(client, STREAM, sleep=fake_clock.sleep).read(
        SINCE, Deadline.after(2.0, fake_clock)
    )

    assert 9 <= client.calls <= 11


window_like = st.fixed_dictionaries(
    {
        "windowStart": st.sampled_from(["2025-06-01T11:59:50Z", "yesterday", 5]),
        "windowEnd": st.sampled_from(["2025-06-01T12:00:00Z", "2025-06-01T11:00:00Z"]),
        "objects": st.lists(
            st.dictionaries(
                st.sampled_from(["objectName", "objectCount", "maxInstances", "lastSeen"]),
                st.one_of(st.text(max_size=10), st.integers(-2, 5), st.none()),
            ),
            max_size=3,
        ),
    },
    optional={"device": st.text(max_size=8), "frames": st.integers(-1, 3)},
)
record_data = st.one_of(
    st.binary(max_size=120),
    window_like.map(lambda message: json.dumps(message).encode()),
    st.lists(window_like, min_size=2, max_size=3).map(
        lambda messages: "".join(json.dumps(message) for message in messages).encode()
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # a clock class, not state
)
@given(payloads=st.lists(record_data, min_size=1, max_size=6))
def test_any_record_data_is_read_or_counted_never_fatal(payloads: list[bytes], clocks) -> None:
    """K04, S02: whatever a record holds, the read goes on and accounts for it."""
    records = [
        {"SequenceNumber": str(number), "PartitionKey": "kitchen-pi", "Data": payload}
        for number, payload in enumerate(payloads)
    ]

    def one_page(call: int):
        if call == 1:
            return {"Records": records, "NextShardIterator": "next", "MillisBehindLatest": 0}
        return {"Records": [], "NextShardIterator": "next", "MillisBehindLatest": 0}

    clock = clocks()
    result = StreamReader(ScriptedKinesis(one_page), STREAM, sleep=clock.sleep).read(
        SINCE, Deadline.after(5.0, clock)
    )

    assert result.caught_up
    assert result.records == len(payloads)
    assert result.windows + result.skipped >= len(payloads)
