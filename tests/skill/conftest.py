"""Fixtures for the skill's tests: a moto server on loopback, streams, window messages,
Alexa envelopes, a fake clock and a stand-in Lambda context.

The suite runs with ``--import-mode=importlib``, so test modules cannot import
this file: everything they share is a fixture here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from seesay.timestamps import format_timestamp

ALEXA_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alexa"
SKILL_ID = "amzn1.ask.skill.5f7c3c1e-8d2b-4c6a-9e0f-1a2b3c4d5e6f"
# The instant every Alexa fixture was made at.
REQUEST_TIME = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
REGION = "us-east-1"


def window_message(
    device: str = "kitchen-pi",
    camera: str = "default",
    end: datetime = REQUEST_TIME - timedelta(seconds=10),
    objects: dict[str, tuple[int, int]] | None = None,
    frames: int = 20,
    status: str = "online",
    length_s: float = 10.0,
) -> dict[str, Any]:
    """A window summary as a device publishes it; ``objects`` maps label -> (frames, max)."""
    start = end - timedelta(seconds=length_s)
    return {
        "schema": "seesay.window/1",
        "windowId": f"{device}/{camera}/{format_timestamp(start)}",
        "device": device,
        "camera": camera,
        "windowStart": format_timestamp(start),
        "windowEnd": format_timestamp(end),
        "frames": frames,
        "minCount": 2,
        "cameraStatus": status,
        "objects": [
            {"objectName": label, "objectCount": count, "maxInstances": most, "bestScore": 0.8}
            for label, (count, most) in (objects or {}).items()
        ],
    }


def load_envelope(name: str) -> dict[str, Any]:
    """One Alexa request envelope from tests/fixtures/alexa."""
    return json.loads((ALEXA_FIXTURES / f"{name}.json").read_text())


class FakeClock:
    """A monotonic clock that only moves when slept on."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


class LambdaContext:
    """Just enough of a Lambda context: the remaining time, counting down for real."""

    def __init__(self, remaining_ms: float, monotonic: Callable[[], float]) -> None:
        self._ends = monotonic() + remaining_ms / 1000
        self._monotonic = monotonic

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - self._monotonic()) * 1000)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 for the whole session; its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def kinesis(moto_endpoint: str) -> Any:
    """A boto3 Kinesis client on the moto server, with dummy credentials."""
    return boto3.client(
        "kinesis",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def make_stream(kinesis: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[int], str]]:
    """Create a stream with ``shards`` shards, named after the test; returns its name."""
    created: list[str] = []

    def create(shards: int = 1) -> str:
        base = "".join(char if char.isalnum() else "-" for char in request.node.name)[:90]
        name = f"{base}-{len(created)}"
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        created.append(name)
        return name

    yield create
    for name in created:
        kinesis.delete_stream(StreamName=name)


@pytest.fixture
def window() -> Callable[..., dict[str, Any]]:
    """The :func:`window_message` builder."""
    return window_message


@pytest.fixture
def put_window(kinesis: Any) -> Callable[..., None]:
    """Put one or more messages into a stream as one record, keyed by device."""

    def put(stream: str, *messages: dict[str, Any], key: str | None = None) -> None:
        data = "".join(json.dumps(message) for message in messages).encode()
        kinesis.put_record(
            StreamName=stream, PartitionKey=key or messages[0]["device"], Data=data
        )

    return put


@pytest.fixture
def envelope() -> Callable[[str], dict[str, Any]]:
    """The :func:`load_envelope` loader."""
    return load_envelope


@pytest.fixture
def fake_clock() -> FakeClock:
    """A fresh :class:`FakeClock`."""
    return FakeClock()


@pytest.fixture
def clocks() -> type[FakeClock]:
    """The :class:`FakeClock` class, for tests that need a fresh clock per example."""
    return FakeClock


@pytest.fixture
def lambda_context() -> type[LambdaContext]:
    """The :class:`LambdaContext` class."""
    return LambdaContext


@pytest.fixture
def skill_id() -> str:
    """The skill id every Alexa fixture is addressed to."""
    return SKILL_ID


@pytest.fixture
def request_time() -> datetime:
    """The instant every Alexa fixture was made at (aware UTC)."""
    return REQUEST_TIME


@pytest.fixture
def alexa_fixtures() -> Path:
    """The folder of Alexa request envelopes."""
    return ALEXA_FIXTURES


# Variables that would point the laptop commands at a stream; cleared for every test
# that uses them, so nothing but the test's own endpoints is ever read.
STREAM_VARIABLES = (
    "SKILL_ID", "STREAM_NAME", "KINESIS_ENDPOINT_URL", "SEESAY_DEVICES", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
)


class StandInStack:
    """A started local stack as the endpoints file records it, on the test's moto server."""

    def __init__(self, kinesis_endpoint: str, stream_name: str) -> None:
        self.mqtt_url = "mqtt://127.0.0.1:1"
        self.kinesis_endpoint = kinesis_endpoint
        self.stream_name = stream_name

    def environment(self) -> dict[str, str]:
        return {
            "SEESAY_TRANSPORT": "mqtt",
            "SEESAY_MQTT_URL": self.mqtt_url,
            "KINESIS_ENDPOINT_URL": self.kinesis_endpoint,
            "STREAM_NAME": self.stream_name,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty state folder for the laptop commands, and no stream settings inherited."""
    folder = tmp_path / "state"
    monkeypatch.setenv("SEESAY_STATE_DIR", str(folder))
    for name in STREAM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def local_stack_stream(state_dir: Path, moto_endpoint: str, make_stream) -> str:
    """A one-shard stream on the moto server, recorded as a running local stack's; its name."""
    from seesay.localstack.endpoints import write_endpoints

    stream = make_stream(1)
    write_endpoints(StandInStack(moto_endpoint, stream))
    return stream


@pytest.fixture
def recent_window() -> Callable[..., dict[str, Any]]:
    """:func:`window_message` for a window that ended ``age_s`` seconds before the real now."""

    def build(age_s: float = 10.0, **fields: Any) -> dict[str, Any]:
        end = datetime.now(timezone.utc) - timedelta(seconds=age_s)
        return window_message(end=end, **fields)

    return build
