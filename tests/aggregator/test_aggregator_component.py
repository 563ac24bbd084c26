"""The aggregator component's message handling.

These tests replace the transport (Greengrass IPC or MQTT) at its boundary with
an in-memory recorder; the real MQTT path is covered in tests/pipeline.
"""

from __future__ import annotations

import json

from seesay.transport.base import Transport
from seesay_aggregator.component import AggregatorComponent
from seesay_aggregator.window import TumblingWindows


class RecordingTransport(Transport):
    name = "recording"

    def __init__(self):
        self.cloud: list[tuple[str, bytes]] = []
        self.subscriptions: list[str] = []

    def publish(self, topic, payload):
        raise AssertionError("the aggregator publishes only to the cloud")

    def subscribe(self, topic, handler):
        self.subscriptions.append(topic)

    def publish_to_cloud(self, topic, payload):
        self.cloud.append((topic, payload))

    def close(self):
        pass


def message(seconds: float, *labels: str) -> bytes:
    return json.dumps({
        "device": "thing-7",
        "camera": "front",
        "timestamp": f"2026-03-01T12:00:{seconds:06.3f}Z",
        "detections": [{"label": label, "score": 0.9, "box": [0, 0, 1, 1]} for label in labels],
    }).encode()


def test_malformed_messages_are_counted_and_skipped():
    transport = RecordingTransport()
    component = AggregatorComponent(transport, TumblingWindows(min_count=1), "thing-7")
    for payload in [b"{", b"[]", b'{"detections": []}', message(1, "dog"), b"\x00\xff"]:
        component.on_message("seesay/detections", payload)
    component.stop()
    assert component.stats.malformed == 4
    (topic, payload), = transport.cloud
    assert topic == "seesay/thing-7/windows"
    assert json.loads(payload)["objects"][0]["objectName"] == "dog"


def test_a_quiet_camera_has_its_window_closed_by_the_idle_timer():
    transport = RecordingTransport()
    component = AggregatorComponent(
        transport, TumblingWindows(min_count=1), "thing-7", idle_close_s=5
    )
    component.on_message("seesay/detections", message(1, "dog"))
    component.close_idle(now=0)  # monotonic 0 is long before the arrival
    assert transport.cloud == []
    import time

    component.close_idle(now=time.monotonic() + 6)
    assert len(transport.cloud) == 1


def test_a03_the_timer_thread_emits_the_last_window_when_frames_stop():
    import time

    transport = RecordingTransport()
    component = AggregatorComponent(
        transport, TumblingWindows(min_count=1), "thing-7", idle_close_s=0.2
    )
    component.start()
    try:
        component.on_message("seesay/detections", message(1, "dog"))
        deadline = time.monotonic() + 5
        while not transport.cloud and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        component.stop()
    (topic, payload), = transport.cloud
    assert json.loads(payload)["objects"][0]["objectName"] == "dog"
