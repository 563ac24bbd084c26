"""Skill latency benchmark: request to response through the skill's Lambda handler.

Prints a markdown table; run with ``.venv/bin/python bench/bench_skill.py`` (a few
minutes). The stream is moto's Kinesis in server mode on 127.0.0.1, filled with
window summaries through PutRecords (batches of 500): 100, 10,000 and 100,000
records in the look-back, on 1 and 4 shards. Cameras publish one window every
ten seconds, so the three sizes are about 1, 110 and 1,100 cameras over the
skill's 15-minute look-back, keyed by camera (the IoT rule's thing name).

Each request is a fresh "what do you see?" envelope given to the handler the
SDK builds for the skill (``skill_builder(settings).lambda_handler()``, as
``seesay_skill.lambda_function`` does), with a Lambda context that has the
template's 7 s timeout left, so reading stops at 5.5 s (S01). The handler is
built once per stream and warmed with one request, as a warm Lambda is.

Two readers answer on the same data:

- seesay: :class:`seesay_skill.stream_reader.StreamReader`, every shard,
  pages of up to 1,000 records, at most five reads a second per shard;
- the old design: one record per GetRecords call (``Limit=1``) with a 0.2 s
  sleep between calls, shard after shard. It is given the same deadline, or
  the larger sizes would take hours; what it had read by then is what it says.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
import moto
from moto.server import ThreadedMotoServer

from seesay.contract import parse_window_summary
from seesay.envelopes import Conversation
from seesay.invoke import LocalLambdaContext
from seesay.timestamps import format_timestamp, utc_now
from seesay_skill.deadline import Deadline
from seesay_skill.records import decode_record_data
from seesay_skill.settings import Settings
from seesay_skill.shards import list_shards
from seesay_skill.skill import make_kinesis_client, skill_builder
from seesay_skill.stream_reader import ReadResult, StreamReader

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000be4c"
SIZES = (100, 10_000, 100_000)
SHARDS = (1, 4)
WINDOWS_PER_CAMERA = 90  # 15 minutes of 10-second windows
BATCH = 500
LAMBDA_TIMEOUT_MS = 7000
OLD_DESIGN_PAUSE_S = 0.2
LABELS = ["person", "dog", "cat", "chair", "cup", "tv", "couch", "bottle", "book", "laptop"]


class RecordingReader:
    """Passes each read through to ``reader`` and keeps what each request found.

    A request reads the recent span first, then the whole look-back if time
    allows; a request counts as read to the end when its last read caught up,
    and its records read are what its reads got through together.
    """

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.requests: list[list[tuple[int, bool]]] = []

    def next_request(self) -> None:
        self.requests.append([])

    def read(self, since: datetime, deadline: Deadline, until: datetime | None = None):
        result = self.reader.read(since, deadline, until)
        if not self.requests:
            self.next_request()
        # Counted now: the scene merges later reads into the first one's result.
        self.requests[-1].append((result.records, result.caught_up))
        return result

    def records_read(self) -> list[int]:
        return [sum(records for records, _ in reads) for reads in self.requests if reads]

    def read_to_the_end(self) -> int:
        return sum(reads[-1][1] for reads in self.requests if reads)


class OneRecordAtATimeReader:
    """The old design's reading: one record per GetRecords call, a pause after each call.

    It reads every shard in turn, from the same AT_TIMESTAMP, and stops at the deadline.
    """

    def __init__(self, client: Any, stream_name: str, pause_s: float = OLD_DESIGN_PAUSE_S):
        self.client = client
        self.stream_name = stream_name
        self.pause_s = pause_s

    def read(
        self, since: datetime, deadline: Deadline, until: datetime | None = None
    ) -> ReadResult:
        result = ReadResult()
        shards = list_shards(self.client, self.stream_name)
        result.shards = len(shards)
        finished = 0
        for shard in shards:
            iterator = self.client.get_shard_iterator(
                StreamName=self.stream_name, ShardId=shard.shard_id,
                ShardIteratorType="AT_TIMESTAMP", Timestamp=since,
            )["ShardIterator"]
            while iterator and not deadline.expired():
                page = self.client.get_records(ShardIterator=iterator, Limit=1)
                result.pages += 1
                for record in page["Records"]:
                    result.records += 1
                    for message in decode_record_data(record["Data"]).messages:
                        result.add(parse_window_summary(message))
                iterator = page.get("NextShardIterator")
                if not page["Records"] and not page.get("MillisBehindLatest"):
                    finished += 1
                    break
                time.sleep(min(self.pause_s, deadline.remaining()))
        result.caught_up = finished == len(shards)
        return result


@dataclass
class Row:
    """One line of the table."""

    records: int
    shards: int
    design: str
    latencies_ms: list[float]
    read: list[int]
    caught_up: int
    answer: str

    def cells(self) -> list[str]:
        ordered = sorted(self.latencies_ms)
        p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
        read = statistics.median(self.read)
        share = f"{read:,.0f} ({100 * read / self.records:.0f} %)"
        return [
            f"{self.records:,}", str(self.shards), self.design, str(len(ordered)),
            f"{statistics.median(ordered):,.0f}", f"{p95:,.0f}", share,
            f"{self.caught_up} of {len(ordered)}",
        ]


def window(device: str, end: datetime, index: int) -> dict[str, Any]:
    """A window summary as a device publishes it, with two or three labels."""
    labels = [LABELS[(index + step) % len(LABELS)] for step in range(2 + index % 2)]
    start = end - timedelta(seconds=10)
    return {
        "schema": "seesay.window/1",
        "windowId": f"{device}/front/{format_timestamp(start)}",
        "device": device, "camera": "front",
        "windowStart": format_timestamp(start), "windowEnd": format_timestamp(end),
        "frames": 20, "minCount": 2, "cameraStatus": "online",
        "objects": [
            {"objectName": label, "objectCount": 12, "maxInstances": 1 + step,
             "bestScore": 0.8}
            for step, label in enumerate(labels)
        ],
    }


def fill(client: Any, stream: str, records: int) -> float:
    """Put ``records`` window summaries, oldest first; returns the seconds it took."""
    cameras = max(1, round(records / WINDOWS_PER_CAMERA))
    newest = utc_now() - timedelta(seconds=5)
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for index in range(records):
        device = f"cam-{index % cameras:04d}"
        age_s = 10 * ((records - 1 - index) // cameras)
        summary = window(device, newest - timedelta(seconds=age_s), index)
        batch.append({"Data": json.dumps(summary).encode(), "PartitionKey": device})
        if len(batch) == BATCH or index == records - 1:
            response = client.put_records(StreamName=stream, Records=batch)
            if response["FailedRecordCount"]:
                raise RuntimeError(f"{response['FailedRecordCount']} records were refused")
            batch = []
    return time.perf_counter() - started


def measure(handler, runs: int, reader: RecordingReader) -> tuple[list[float], str]:
    """Latencies in milliseconds of ``runs`` fresh "what do you see?" requests, and the
    last answer's speech."""
    latencies = []
    speech = ""
    for _ in range(runs):
        reader.next_request()
        envelope = Conversation(skill_id=SKILL_ID).intent("WhatDoYouSeeIntent")
        started = time.perf_counter()
        response = handler(envelope, LocalLambdaContext(LAMBDA_TIMEOUT_MS))
        latencies.append((time.perf_counter() - started) * 1000)
        speech = response["response"]["outputSpeech"]["text"]
        if not speech:
            raise RuntimeError("the skill answered without speech")
    return latencies, speech


def run_design(settings: Settings, design: str, records: int, shards: int, runs: int) -> Row:
    client = make_kinesis_client(settings)
    if design == "seesay":
        reader = RecordingReader(StreamReader(client, settings.stream_name))
    else:
        reader = RecordingReader(OneRecordAtATimeReader(client, settings.stream_name))
    handler = skill_builder(settings, reader=reader).lambda_handler()
    handler(Conversation(skill_id=SKILL_ID).intent("WhatDoYouSeeIntent"),
            LocalLambdaContext(1600))  # warm: connection open, shards listed
    reader.requests.clear()
    latencies, speech = measure(handler, runs, reader)
    return Row(records, shards, design, latencies, reader.records_read(),
               reader.read_to_the_end(), speech)


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                      if line.startswith("Model name")), platform.processor())
    except OSError:
        model = platform.processor() or "unknown CPU"
    return (f"{model}, {os.cpu_count()} vCPUs; Python {platform.python_version()}, "
            f"moto {moto.__version__}, boto3 {boto3.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--shards", type=int, nargs="+", default=list(SHARDS))
    parser.add_argument("--old-runs", type=int, default=3, help="requests per old-design row")
    args = parser.parse_args()

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    logging.getLogger("seesay_skill").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("kinesis", region_name="us-east-1", endpoint_url=endpoint)
    rows: list[Row] = []
    started = time.perf_counter()
    try:
        for shards in args.shards:
            for records in args.sizes:
                stream = f"bench-{shards}-{records}"
                client.create_stream(StreamName=stream, ShardCount=shards)
                client.get_waiter("stream_exists").wait(StreamName=stream)
                seconds = fill(client, stream, records)
                print(f"{stream}: put {records:,} records in {seconds:.1f} s",
                      file=sys.stderr, flush=True)
                settings = Settings(skill_id=SKILL_ID, stream_name=stream,
                                    kinesis_endpoint_url=endpoint, region="us-east-1")
                runs = 20 if records <= 100 else 10 if records <= 10_000 else 5
                for design, count in (("seesay", runs), ("old design", args.old_runs)):
                    row = run_design(settings, design, records, shards, count)
                    rows.append(row)
                    print(f"  {design}: {' | '.join(row.cells())}", file=sys.stderr, flush=True)
                client.delete_stream(StreamName=stream)
    finally:
        server.stop()

    print(f"Skill latency, request to response ({machine()}); "
          f"Lambda timeout {LAMBDA_TIMEOUT_MS / 1000:.0f} s, reading stops at 5.5 s\n")
    header = ["records in look-back", "shards", "reader", "requests", "median ms", "p95 ms",
              "records read (median)", "read to the end"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if index in (0, 1, 3, 4, 5, 6) else "---"
                         for index in range(len(header))) + "|")
    ordered = sorted(rows, key=lambda row: (row.records, row.shards, row.design != "seesay"))
    for row in ordered:
        print("| " + " | ".join(row.cells()) + " |")
    print("\nWhat the skill said when reading stopped at the deadline:\n")
    for row in ordered:
        if row.caught_up < len(row.latencies_ms):
            print(f"- {row.records:,} records, {row.shards} shard(s), {row.design}: "
                  f"\"{row.answer[:160]}\"")
    print(f"\n{time.perf_counter() - started:.0f} s in all.")


if __name__ == "__main__":
    main()
