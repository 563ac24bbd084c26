"""Delivery: checkpoints, restarts, the outbox, the size limit and camera status.

In-process tests replace the transport at its boundary with an in-memory
recorder (Greengrass IPC cannot run without a nucleus); the kill -9 test runs
the real component process against a real MQTT broker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from seesay.contract import CameraStatus, ObjectSummary, WindowSummary
from seesay.localstack.broker import EmbeddedBroker
from seesay.transport.base import Transport, TransportError
from seesay.transport.mqtt import MqttTransport
from seesay_aggregator.component import AggregatorComponent
from seesay_aggregator.payload import IOT_CORE_MAX_PAYLOAD, encode_summary
from seesay_aggregator.window import TumblingWindows

BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


class RecordingTransport(Transport):
    name = "recording"

    def __init__(self, fail: bool = False):
        self.cloud: list[dict] = []
        self.fail = fail

    def publish(self, topic, payload):
        raise AssertionError("the aggregator publishes only to the cloud")

    def subscribe(self, topic, handler):
        pass

    def publish_to_cloud(self, topic, payload):
        if self.fail:
            raise TransportError("offline")
        self.cloud.append(json.loads(payload))

    def close(self):
        pass


def message(seconds: float, *labels: str, camera: str = "front") -> bytes:
    moment = BASE + timedelta(seconds=seconds)
    return json.dumps({
        "device": "thing-7",
        "camera": camera,
        "timestamp": moment.isoformat(),
        "detections": [{"label": label, "score": 0.9, "box": [0, 0, 1, 1]} for label in labels],
    }).encode()


def component(transport, state_file, **options):
    return AggregatorComponent(
        transport, TumblingWindows(min_count=1), "thing-7", state_file=state_file, **options
    )


def test_a_restart_restores_open_windows_from_the_state_file(tmp_path):
    state = tmp_path / "state.json"
    first = component(RecordingTransport(), state)
    for second in (1, 2, 3):
        first.on_message("t", message(second, "dog"))
    # The process dies here without stop(): only the state file remains.
    transport = RecordingTransport()
    second = component(transport, state)
    assert second.stats.restored_windows == 1
    second.on_message("t", message(4, "dog", "dog"))
    second.on_message("t", message(11, "cat"))
    (window,) = transport.cloud
    assert window["frames"] == 4
    assert window["objects"][0] == {**window["objects"][0], "objectName": "dog",
                                    "objectCount": 4, "maxInstances": 2}


def test_windows_closed_while_offline_wait_in_the_outbox_and_survive_a_restart(tmp_path):
    """G04: publishes that fail are kept, bounded, and re-sent with their own timestamps."""
    state = tmp_path / "state.json"
    offline = RecordingTransport(fail=True)
    first = component(offline, state, outbox_limit=2)
    for second in (1, 11, 21, 31):
        first.on_message("t", message(second, "dog"))
    assert first.stats.outbox_dropped == 1 and first.stats.publish_failures >= 1

    online = RecordingTransport()
    second = component(online, state)
    second._drain_outbox()
    starts = [window["windowStart"] for window in online.cloud]
    assert starts == ["2026-03-01T12:00:10.000Z", "2026-03-01T12:00:20.000Z"]


def test_a_corrupt_state_file_is_set_aside_not_fatal(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{half a json")
    restarted = component(RecordingTransport(), state)
    assert restarted.stats.restored_windows == 0
    assert (tmp_path / "state.json.corrupt").exists()


def test_g03_a_huge_window_is_trimmed_under_the_iot_core_limit():
    objects = tuple(
        ObjectSummary(f"label-{index:05d}-" + "x" * 80, 1000 - index % 1000, 1, 0.9)
        for index in range(3000)
    )
    summary = WindowSummary("thing", "front", BASE, BASE + timedelta(seconds=10), 20, objects, 1)
    payload = encode_summary(summary)
    assert len(payload) <= IOT_CORE_MAX_PAYLOAD
    message = json.loads(payload)
    assert message["truncated"] is True
    kept = len(message["objects"])
    assert message["objectsDropped"] == 3000 - kept and kept > 100
    counts = [item["objectCount"] for item in message["objects"]]
    assert counts == sorted(counts, reverse=True)
    kept_names = {item["objectName"] for item in message["objects"]}
    dropped = [o.frame_count for o in objects if o.name not in kept_names]
    assert min(counts) >= max(dropped)


def test_g03_a_single_enormous_label_is_shortened():
    summary = WindowSummary("thing", "front", BASE, BASE + timedelta(seconds=10), 2,
                            (ObjectSummary("z" * 200_000, 2, 1, 0.9),), 1)
    message = json.loads(encode_summary(summary))
    assert len(message["objects"][0]["objectName"]) == 100 and message["labelsShortened"]


def test_a_camera_going_offline_closes_its_window_marked_offline():
    transport = RecordingTransport()
    aggregator = component(transport, None)
    aggregator.on_message("t", message(1, "dog"))
    status = CameraStatus("thing-7", "front", "offline", BASE + timedelta(seconds=3), "no frames")
    aggregator.on_status("s", status.to_json().encode())
    aggregator.on_status("s", b'{"status": "sideways"}')
    (window,) = transport.cloud
    assert window["cameraStatus"] == "offline" and window["frames"] == 1
    assert aggregator.stats.malformed == 1

    aggregator.on_status("s", CameraStatus("thing-7", "front", "offline",
                                           BASE + timedelta(seconds=25)).to_json().encode())
    assert transport.cloud[-1]["frames"] == 0 and transport.cloud[-1]["cameraStatus"] == "offline"


def test_late_frames_are_reported_in_the_next_summary():
    transport = RecordingTransport()
    aggregator = component(transport, None)
    for seconds in (1, 12, 5, 6, 23):
        aggregator.on_message("t", message(seconds, "dog"))
    assert transport.cloud[0].get("lateFrames") is None
    assert transport.cloud[1]["lateFrames"] == 2


@pytest.fixture
def broker():
    running = EmbeddedBroker().start()
    yield running
    running.stop()


def _start(broker, work, *extra):
    environment = {**os.environ, "SEESAY_TRANSPORT": "mqtt", "SEESAY_MQTT_URL": broker.url,
                   "AWS_IOT_THING_NAME": "thing-7"}
    return subprocess.Popen(
        [sys.executable, "-m", "seesay_aggregator", "--MinCount", "1",
         "--IdleCloseSeconds", "600", *extra],
        cwd=work, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_frames(state_file, frames, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            cameras = json.loads(state_file.read_text())["windows"]["cameras"]
            if sum(w["frames"] for c in cameras for w in c["windows"]) == frames:
                return
        except (OSError, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"the aggregator did not checkpoint {frames} frames")


def _wait_for_subscriber(process, timeout=20.0):
    # The component logs its subscriptions once; wait for the second (camera status).
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if "aggregating" in line:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return
    raise AssertionError("the aggregator did not start: " + "".join(lines))


def test_kill_9_mid_window_loses_nothing_and_emits_the_window_once(broker, tmp_path):
    received: list[dict] = []
    with MqttTransport.connect(broker.url, "observer") as observer, \
            MqttTransport.connect(broker.url, "camera") as camera:
        observer.subscribe("seesay/thing-7/windows", lambda _, p: received.append(json.loads(p)))

        first = _start(broker, tmp_path)
        _wait_for_subscriber(first)
        for seconds in (0.5, 1.5, 2.5):
            camera.publish("seesay/detections", message(seconds, "dog", "dog"))
        _wait_for_frames(tmp_path / "aggregator-state.json", 3)
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        second = _start(broker, tmp_path)
        _wait_for_subscriber(second)
        for seconds in (3.5, 4.5, 12.0):
            camera.publish("seesay/detections", message(seconds, "dog"))
        _wait_for_frames(tmp_path / "aggregator-state.json", 1)
        second.send_signal(signal.SIGTERM)  # SIGTERM flushes the open window
        assert second.wait(20) == 0

        deadline = time.monotonic() + 10
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    starts = [window["windowStart"] for window in received]
    assert starts == ["2026-03-01T12:00:00.000Z", "2026-03-01T12:00:10.000Z"]
    first_window = received[0]
    assert first_window["frames"] == 5
    assert first_window["objects"][0]["objectCount"] == 5
    assert first_window["objects"][0]["maxInstances"] == 2


class RefusingTransport(RecordingTransport):
    """Refuses subscriptions a number of times, as a nucleus does without accessControl."""

    def __init__(self, refusals: int):
        super().__init__()
        self.refusals = refusals
        self.subscribed: list[str] = []

    def subscribe(self, topic, handler):
        if self.refusals > 0:
            self.refusals -= 1
            raise TransportError(f"UnauthorizedError: {topic} not allowed")
        self.subscribed.append(topic)


def test_g01_a_refused_subscription_is_retried_not_fatal(caplog):
    transport = RefusingTransport(refusals=1)
    aggregator = AggregatorComponent(transport, TumblingWindows(), "thing-7", idle_close_s=0.2)
    aggregator.start()
    try:
        deadline = time.monotonic() + 5
        while len(transport.subscribed) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        aggregator.stop()
    assert transport.subscribed == ["seesay/detections", "seesay/camera-status"]
    assert "accessControl" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00garbage",
        b'{"windows": [], "outbox": []}',
        b'{"windows": {"version": 1, "widthSeconds": 10.0, "cameras": [{"device": "d", '
        b'"camera": "c", "newest": null, "closedUntil": null, "windows": [{"start": '
        b'"2026-03-01T12:00:00Z", "frames": 3, "labels": [1, 2]}]}]}}',
        b'{"windows": {"version": 1, "widthSeconds": 10.0, "cameras": [{"device": "d", '
        b'"camera": "c", "newest": null, "closedUntil": null, "windows": [{"start": '
        b'"2026-03-01T12:00:03Z", "frames": -5, "labels": {}}]}]}}',
        b'{"windows": {"version": 1, "widthSeconds": 10.0, "cameras": [{"device": "\\ud800", '
        b'"camera": "c", "newest": null, "closedUntil": null, "windows": []}]}}',
    ],
    ids=["not-utf8", "windows-a-list", "labels-a-list", "impossible-counts", "surrogate-id"],
)
def test_a_state_file_that_cannot_be_trusted_is_set_aside(tmp_path, content):
    state = tmp_path / "aggregator-state.json"
    state.write_bytes(content)
    restarted = component(RecordingTransport(), state)
    assert restarted.stats.restored_windows == 0
    assert (tmp_path / "aggregator-state.json.corrupt").read_bytes() == content


def test_unsendable_saved_summaries_are_dropped_and_the_limit_applies(tmp_path):
    state = tmp_path / "state.json"
    good = WindowSummary("thing-7", "front", BASE, BASE + timedelta(seconds=10), 1, (), 2)
    outbox = ["not json at all", "x" * 300_000] + [good.to_json()] * 5
    state.write_text(json.dumps({"windows": None, "outbox": outbox}))
    transport = RecordingTransport()
    restarted = component(transport, state, outbox_limit=3)
    restarted._drain_outbox()
    assert len(transport.cloud) == 3
    assert restarted.stats.outbox_dropped == 4


def test_windows_saved_under_another_width_are_closed_as_they_were(tmp_path):
    state = tmp_path / "state.json"
    five = AggregatorComponent(RecordingTransport(), TumblingWindows(width_s=5, min_count=1),
                               "thing-7", state_file=state)
    for second in (1, 2, 3):
        five.on_message("t", message(second, "dog"))
    transport = RecordingTransport()
    ten = component(transport, state)
    ten._drain_outbox()
    (window,) = transport.cloud
    assert (window["windowStart"], window["windowEnd"]) == (
        "2026-03-01T12:00:00.000Z", "2026-03-01T12:00:05.000Z")
    assert window["frames"] == 3 and ten.windows.open_windows() == 0


def test_a_frame_from_a_clock_gone_wrong_does_not_make_real_frames_late():
    transport = RecordingTransport()
    aggregator = AggregatorComponent(
        transport,
        TumblingWindows(min_count=1, clock=lambda: BASE + timedelta(seconds=30)),
        "thing-7",
    )
    far_future = json.loads(message(1, "cat"))
    far_future["timestamp"] = "2100-01-01T00:00:00Z"
    aggregator.on_message("t", json.dumps(far_future).encode())
    for second in (1, 2, 12):
        aggregator.on_message("t", message(second, "dog"))
    assert aggregator.windows.stats.future_frames == 1
    assert aggregator.windows.stats.late_frames == 0
    assert transport.cloud[0]["objects"][0]["objectName"] == "dog"


@pytest.mark.parametrize(
    "label", ["\ud800x", "a\nb", "\u202eevil", "z" * 101], ids=["surrogate", "newline", "rtl", "long"]
)
def test_labels_that_cannot_be_sent_make_the_frame_malformed_not_the_timer_die(label):
    transport = RecordingTransport()
    aggregator = component(transport, None)
    payload = json.loads(message(1))
    payload["detections"] = [{"label": label, "score": 0.9, "box": [0, 0, 1, 1]}]
    aggregator.on_message("t", json.dumps(payload).encode())
    aggregator.on_message("t", message(2, "dog"))
    aggregator.stop()
    assert aggregator.stats.malformed == 1
    assert [o["objectName"] for o in transport.cloud[0]["objects"]] == ["dog"]


def test_the_unused_label_is_never_counted():
    transport = RecordingTransport()
    aggregator = component(transport, None)
    aggregator.on_message("t", message(1, "???", "dog"))
    aggregator.stop()
    assert [o["objectName"] for o in transport.cloud[0]["objects"]] == ["dog"]


def test_deeply_nested_json_is_malformed_not_a_crash():
    aggregator = component(RecordingTransport(), None)
    aggregator.on_message("t", b"[" * 100_000 + b"]" * 100_000)
    assert aggregator.stats.malformed == 1
