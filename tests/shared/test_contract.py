"""The message contract: round trips, strict parsing, errors that name the field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from seesay.contract import (
    Detection,
    DetectionFrame,
    MessageError,
    ObjectSummary,
    WindowSummary,
    parse_detection_frame,
    parse_window_summary,
)
from seesay.timestamps import parse_timestamp

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def frame_dict(**overrides):
    message = DetectionFrame(
        device="thing-1",
        camera="front",
        timestamp=T0,
        detections=(Detection("dog", 0.81, (0.1, 0.2, 0.5, 0.9)),),
        source="pets.jpg",
        frame_size=(640, 480),
        inference_ms=9.5,
    ).to_dict()
    message.update(overrides)
    return message


def test_detection_frame_round_trip():
    frame = parse_detection_frame(json.dumps(frame_dict()))
    assert frame.device == "thing-1" and frame.camera == "front"
    assert frame.timestamp == T0
    assert frame.detections == (Detection("dog", 0.81, (0.1, 0.2, 0.5, 0.9)),)
    assert frame.frame_size == (640, 480)


def test_timestamps_in_any_offset_are_the_same_instant():
    plus_two = T0.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert plus_two.endswith("+02:00")
    assert parse_detection_frame(frame_dict(timestamp=plus_two)).timestamp == T0


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"timestamp": "2026-01-02T03:04:05"}, "timestamp"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"detections": "dog"}, "detections"),
        ({"detections": [{"label": "", "score": 0.5, "box": [0, 0, 1, 1]}]}, "label"),
        ({"detections": [{"label": "dog", "score": 1.5, "box": [0, 0, 1, 1]}]}, "score"),
        ({"detections": [{"label": "dog", "score": "high", "box": [0, 0, 1, 1]}]}, "score"),
        ({"detections": [{"label": "dog", "score": 0.5, "box": [0, 0, 1]}]}, "box"),
        ({"detections": [{"label": "dog", "score": 0.5, "box": [0, 0.5, 1, 0.1]}]}, "box"),
        ({"detections": [{"label": "dog", "score": float("nan"), "box": [0, 0, 1, 1]}]}, "score"),
        ({"camera": 7}, "camera"),
        ({"schema": "seesay.detections/9"}, "schema"),
        ({"frameSize": [0, 10]}, "frameSize"),
    ],
)
def test_malformed_frames_are_refused_naming_the_field(overrides, named):
    with pytest.raises(MessageError, match=named):
        parse_detection_frame(frame_dict(**overrides))


@pytest.mark.parametrize("payload", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b"null"])
def test_non_objects_are_refused(payload):
    with pytest.raises(MessageError):
        parse_detection_frame(payload)


def test_window_summary_keeps_the_old_field_names_and_round_trips():
    summary = WindowSummary(
        device="thing-1",
        camera="front",
        window_start=T0.replace(second=0, microsecond=0),
        window_end=T0.replace(second=10, microsecond=0),
        frames=20,
        objects=(ObjectSummary("dog", 6, 2, 0.81),),
        min_count=2,
    )
    message = json.loads(summary.to_json())
    assert message["objects"] == [
        {"objectName": "dog", "objectCount": 6, "maxInstances": 2, "bestScore": 0.81}
    ]
    assert message["windowId"] == "thing-1/front/2026-01-02T03:04:00.000Z"
    back = parse_window_summary(summary.to_json())
    assert back.objects[0].name == "dog" and back.objects[0].frame_count == 6
    assert back.window_end - back.window_start == timedelta(seconds=10)


def test_window_summary_with_end_before_start_is_refused():
    message = {"windowStart": "2026-01-01T00:00:10Z", "windowEnd": "2026-01-01T00:00:00Z",
               "objects": []}
    with pytest.raises(MessageError, match="windowEnd"):
        parse_window_summary(message)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="offset"):
        parse_timestamp("2026-01-01T00:00:00")
