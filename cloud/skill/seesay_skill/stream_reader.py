"""Reading the window summaries of the last few minutes from Kinesis.

The IoT rule puts every window summary a device publishes into one Kinesis
stream, keyed by thing name. To answer a question the skill reads the stream
from a point in the past (AT_TIMESTAMP) up to now, across every shard, and
keeps the newest window per camera.

Reading is bounded by a :class:`~seesay_skill.deadline.Deadline`: Kinesis may
hand out empty pages before the data (K01), throttle or expire iterators (K02),
or just be slow (S01). When the deadline comes the reader stops and returns
what it has, saying whether it caught up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from seesay.contract import WindowSummary, parse_window_summary
from seesay_skill.deadline import Deadline
from seesay_skill.records import decode_record_data
from seesay_skill.shards import DEFAULT_PAGE_SIZE, Shard, list_shards

logger = logging.getLogger(__name__)

THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException"}
)
EXPIRED_ITERATOR_CODE = "ExpiredIteratorException"

# GetRecords allows five calls a second per shard, shared by every consumer.
MIN_READ_INTERVAL_S = 0.2
BACKOFF_INITIAL_S = 0.1
BACKOFF_MAX_S = 1.0
RECORDS_PER_PAGE = 1000


class StreamUnavailable(RuntimeError):
    """The stream could not be read at all: missing, forbidden or unreachable."""


@dataclass
class ReadResult:
    """What one read of the stream found, and how the read went.

    ``latest`` holds the newest window per ``(device, camera)``;
    ``label_last_seen`` the latest time (aware UTC) each label was seen in any
    window read. ``caught_up`` is False when the deadline stopped the read.
    """

    latest: dict[tuple[str, str], WindowSummary] = field(default_factory=dict)
    label_last_seen: dict[str, datetime] = field(default_factory=dict)
    shards: int = 0
    pages: int = 0
    records: int = 0
    windows: int = 0
    skipped: int = 0
    ignored: int = 0
    throttled: int = 0
    reacquired: int = 0
    errors: int = 0
    caught_up: bool = False

    def add(self, summary: WindowSummary) -> None:
        """Take one window into account."""
        self.windows += 1
        key = (summary.device, summary.camera)
        current = self.latest.get(key)
        if current is None or summary.window_end >= current.window_end:
            self.latest[key] = summary
        for seen in summary.objects:
            if seen.frame_count <= 0:
                continue
            label = seen.name.lower()
            seen_at = seen.last_seen or summary.window_end
            if label not in self.label_last_seen or seen_at > self.label_last_seen[label]:
                self.label_last_seen[label] = seen_at

    def merge(self, other: ReadResult) -> None:
        """Take in another read's findings (a read of an overlapping time span)."""
        for key, summary in other.latest.items():
            current = self.latest.get(key)
            if current is None or summary.window_end > current.window_end:
                self.latest[key] = summary
        for label, seen_at in other.label_last_seen.items():
            if label not in self.label_last_seen or seen_at > self.label_last_seen[label]:
                self.label_last_seen[label] = seen_at
        for counter in ("pages", "records", "windows", "skipped", "ignored", "throttled",
                        "reacquired", "errors"):
            setattr(self, counter, getattr(self, counter) + getattr(other, counter))
        self.shards = max(self.shards, other.shards)
        self.caught_up = self.caught_up and other.caught_up


@dataclass
class _ShardCursor:
    """Where the reader is in one shard."""

    shard: Shard
    iterator: str | None = None
    last_sequence: str | None = None
    next_read_at: float = 0.0
    backoff: float = 0.0
    done: bool = False

    def back_off(self, now: float) -> float:
        """Push the next read back, doubling the pause each time; returns the pause."""
        self.backoff = min(BACKOFF_MAX_S, max(BACKOFF_INITIAL_S, self.backoff * 2))
        self.next_read_at = now + self.backoff
        return self.backoff


class StreamReader:
    """Reads window summaries from one Kinesis stream, within a deadline.

    ``client`` is a boto3 Kinesis client. ``devices`` are the thing names the
    skill may speak about (empty: all). ``sleep`` is how the reader waits; it
    must advance the deadline's clock (tests pass a fake pair).
    """

    def __init__(
        self,
        client: Any,
        stream_name: str,
        devices: frozenset[str] = frozenset(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        min_read_interval: float = MIN_READ_INTERVAL_S,
        records_per_page: int = RECORDS_PER_PAGE,
        shard_page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._client = client
        self._stream_name = stream_name
        self._devices = devices
        self._sleep = sleep
        self._min_read_interval = min_read_interval
        self._records_per_page = records_per_page
        self._shard_page_size = shard_page_size

    def read(
        self, since: datetime, deadline: Deadline, until: datetime | None = None
    ) -> ReadResult:
        """Read every shard from ``since`` (aware UTC) until caught up or ``deadline``.

        With ``until``, a shard is done at its first record that arrived at or
        after that instant: a read of the older part of a span whose newer
        part has already been read.

        Raises StreamUnavailable when the stream cannot be listed, or when no shard
        gave a single page because of errors other than throttling.
        """
        if since.tzinfo is None:
            raise ValueError("'since' must be timezone-aware")
        started = deadline.clock()
        result = ReadResult()
        cursors = [_ShardCursor(shard) for shard in self._list_shards(deadline)]
        result.shards = len(cursors)

        while not deadline.expired():
            pending = [cursor for cursor in cursors if not cursor.done]
            if not pending:
                result.caught_up = True
                break
            now = deadline.clock()
            ready = [cursor for cursor in pending if cursor.next_read_at <= now]
            if not ready:
                pause = min(cursor.next_read_at for cursor in pending) - now
                self._sleep(min(pause, deadline.remaining()))
                continue
            for cursor in ready:
                if deadline.expired():
                    break
                self._read_page(cursor, since, result, deadline, until)

        if result.errors and not result.pages:
            raise StreamUnavailable(
                f"no shard of {self._stream_name} could be read ({result.errors} errors)"
            )
        logger.info(
            "read %s: %d shards, %d records, %d windows, %d skipped, %d ignored, "
            "%d throttled, %s in %.2f s",
            self._stream_name,
            result.shards,
            result.records,
            result.windows,
            result.skipped,
            result.ignored,
            result.throttled,
            "caught up" if result.caught_up else "stopped at the deadline",
            deadline.clock() - started,
        )
        return result

    def _list_shards(self, deadline: Deadline) -> list[Shard]:
        pause = BACKOFF_INITIAL_S
        while True:
            try:
                return list_shards(self._client, self._stream_name, self._shard_page_size)
            except ClientError as error:
                code = _error_code(error)
                if code not in THROTTLING_CODES or deadline.remaining() <= pause:
                    raise StreamUnavailable(
                        f"cannot list the shards of {self._stream_name}: {code}"
                    ) from error
                logger.info(
                    "listing shards of %s throttled, retrying in %.1f s", self._stream_name, pause
                )
                self._sleep(pause)
                pause = min(BACKOFF_MAX_S, pause * 2)
            except BotoCoreError as error:
                raise StreamUnavailable(
                    f"cannot list the shards of {self._stream_name}: {error}"
                ) from error

    def _read_page(
        self,
        cursor: _ShardCursor,
        since: datetime,
        result: ReadResult,
        deadline: Deadline,
        until: datetime | None = None,
    ) -> None:
        shard_id = cursor.shard.shard_id
        try:
            if cursor.iterator is None:
                cursor.iterator = self._shard_iterator(cursor, since)
            page = self._client.get_records(
                ShardIterator=cursor.iterator, Limit=self._records_per_page
            )
        except ClientError as error:
            code = _error_code(error)
            if code in THROTTLING_CODES:
                result.throttled += 1
                pause = cursor.back_off(deadline.clock())
                logger.info("shard %s throttled, backing off %.1f s", shard_id, pause)
                return
            if code == EXPIRED_ITERATOR_CODE:
                result.reacquired += 1
                cursor.iterator = None
                cursor.next_read_at = deadline.clock() + self._min_read_interval
                logger.info("iterator of shard %s expired, acquiring a new one", shard_id)
                return
            raise StreamUnavailable(f"cannot read shard {shard_id}: {code}") from error
        except BotoCoreError as error:
            # Timeouts and dropped connections: retry within the deadline.
            result.errors += 1
            pause = cursor.back_off(deadline.clock())
            logger.warning(
                "reading shard %s failed (%s), retrying in %.1f s", shard_id, error, pause
            )
            return

        result.pages += 1
        cursor.backoff = 0.0
        cursor.next_read_at = deadline.clock() + self._min_read_interval
        records = page.get("Records") or []
        for record in records:
            arrived = record.get("ApproximateArrivalTimestamp")
            if until is not None and isinstance(arrived, datetime) and arrived >= until:
                cursor.done = True  # the rest of this shard has been read already
                return
            self._take(record, result)
            cursor.last_sequence = record.get("SequenceNumber", cursor.last_sequence)

        cursor.iterator = page.get("NextShardIterator")
        if cursor.iterator is None:
            cursor.done = True  # a closed shard, read to its end
        elif not records and not page.get("MillisBehindLatest"):
            cursor.done = True  # an empty page at the tip: caught up
        # An empty page that is still behind is not the end (K01): keep reading.

    def _shard_iterator(self, cursor: _ShardCursor, since: datetime) -> str:
        request: dict[str, Any] = {
            "StreamName": self._stream_name,
            "ShardId": cursor.shard.shard_id,
        }
        if cursor.last_sequence is not None:
            request.update(
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                StartingSequenceNumber=cursor.last_sequence,
            )
        else:
            request.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=since)
        return self._client.get_shard_iterator(**request)["ShardIterator"]

    def _take(self, record: dict[str, Any], result: ReadResult) -> None:
        result.records += 1
        if not self._allows(record.get("PartitionKey")):
            result.ignored += 1
            return
        decoded = decode_record_data(record.get("Data", b""))
        result.skipped += decoded.unreadable
        for message in decoded.messages:
            try:
                summary = parse_window_summary(message)
            except (ValueError, TypeError) as error:  # MessageError is a ValueError
                result.skipped += 1
                logger.debug(
                    "skipped a message in record %s: %s", record.get("SequenceNumber"), error
                )
                continue
            if not self._allows(summary.device):
                result.ignored += 1
                continue
            result.add(summary)

    def _allows(self, device: str | None) -> bool:
        return not self._devices or device in self._devices


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))
