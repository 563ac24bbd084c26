"""The message contract between the detector, the aggregator and the skill.

Two messages cross component boundaries:

- a *detection frame* (``seesay.detections/1``): one camera frame's detections,
  published by the ObjectDetector on local pub/sub;
- a *window summary* (``seesay.window/1``): what one camera saw in one tumbling
  window, published by the LocalAggregator to AWS IoT Core and read back from
  Kinesis by the skill.

Both are JSON objects. Parsing is strict about what matters (types, ranges,
timestamps with offsets) and names the field that was wrong, so a bad message
can be counted and skipped with a useful log line.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from seesay.timestamps import format_timestamp, parse_timestamp

DETECTIONS_SCHEMA = "seesay.detections/1"
MAX_ID_LENGTH = 128
MAX_LABEL_LENGTH = 100
UNUSED_LABEL = "???"
# Frame times outside these years are a broken clock, and beyond them date
# arithmetic overflows.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2199
WINDOW_SCHEMA = "seesay.window/1"


class MessageError(ValueError):
    """A message that does not follow the contract; the text names the field."""


@dataclass(frozen=True)
class Detection:
    """One object found in a frame.

    ``box`` is ``(xmin, ymin, xmax, ymax)`` normalised to 0..1 of the frame.
    """

    label: str
    score: float
    box: tuple[float, float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": round(float(self.score), 4),
            "box": [round(float(value), 4) for value in self.box],
        }


@dataclass(frozen=True)
class DetectionFrame:
    """Everything the detector says about one frame."""

    device: str
    camera: str
    timestamp: datetime
    detections: tuple[Detection, ...]
    source: str = ""
    frame_size: tuple[int, int] | None = None
    inference_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "schema": DETECTIONS_SCHEMA,
            "device": self.device,
            "camera": self.camera,
            "source": self.source,
            "timestamp": format_timestamp(self.timestamp),
            "detections": [detection.to_dict() for detection in self.detections],
        }
        if self.frame_size is not None:
            message["frameSize"] = list(self.frame_size)
        if self.inference_ms is not None:
            message["inferenceMs"] = round(self.inference_ms, 2)
        return message

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


@dataclass(frozen=True)
class ObjectSummary:
    """One label in one window: the old design's ``objectName``/``objectCount``.

    ``objectCount`` is the number of frames the label was detected in;
    ``maxInstances`` is the most seen in any one frame.
    """

    name: str
    frame_count: int
    max_instances: int
    best_score: float
    mean_score: float | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "objectName": self.name,
            "objectCount": self.frame_count,
            "maxInstances": self.max_instances,
            "bestScore": round(self.best_score, 4),
        }
        if self.mean_score is not None:
            summary["meanScore"] = round(self.mean_score, 4)
        if self.first_seen is not None:
            summary["firstSeen"] = format_timestamp(self.first_seen)
        if self.last_seen is not None:
            summary["lastSeen"] = format_timestamp(self.last_seen)
        return summary


@dataclass(frozen=True)
class WindowSummary:
    """What one camera saw in one closed tumbling window."""

    device: str
    camera: str
    window_start: datetime
    window_end: datetime
    frames: int
    objects: tuple[ObjectSummary, ...]
    min_count: int
    camera_status: str = "online"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def window_id(self) -> str:
        """Stable id for de-duplication: device, camera and window start."""
        return f"{self.device}/{self.camera}/{format_timestamp(self.window_start)}"

    def to_dict(self) -> dict[str, Any]:
        message = {
            "schema": WINDOW_SCHEMA,
            "windowId": self.window_id,
            "device": self.device,
            "camera": self.camera,
            "windowStart": format_timestamp(self.window_start),
            "windowEnd": format_timestamp(self.window_end),
            "frames": self.frames,
            "minCount": self.min_count,
            "cameraStatus": self.camera_status,
            "objects": [summary.to_dict() for summary in self.objects],
        }
        message.update(self.extra)
        return message

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


def _require(message: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in message:
        raise MessageError(f"missing field {key!r}")
    value = message[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise MessageError(f"field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _text(value: str, where: str, max_length: int) -> str:
    """Printable text of bounded length: what ids and labels must be."""
    value = value.strip()
    if not value:
        raise MessageError(f"{where} is empty")
    if len(value) > max_length:
        raise MessageError(f"{where} is longer than {max_length} characters")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise MessageError(f"{where} contains the control character U+{ord(char):04X}")
    return value


def _name(message: dict[str, Any], key: str, default: str | None = None) -> str:
    """A device or camera id: it becomes part of topics and window ids."""
    if default is not None and key not in message:
        return default
    value = _text(_require(message, key, str), f"field {key!r}", MAX_ID_LENGTH)
    if any(char in value for char in "/+#"):
        raise MessageError(f"field {key!r} contains '/', '+' or '#'")
    return value


def _time(message: dict[str, Any], key: str) -> datetime:
    try:
        moment = parse_timestamp(_require(message, key, str))
    except (ValueError, OverflowError) as error:
        raise MessageError(f"field {key!r}: {error}") from error
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise MessageError(f"field {key!r} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return moment


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MessageError(f"{where} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise MessageError(f"{where} is not finite")
    return number


def _decode(payload: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload, dict):
        return payload
    try:
        message = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise MessageError(f"not JSON: {error}") from error
    except RecursionError:
        raise MessageError("not JSON this component accepts: nested too deeply") from None
    if not isinstance(message, dict):
        raise MessageError("not a JSON object")
    return message


def parse_detection(item: Any, index: int) -> Detection:
    """Parse one ``{label, score, box}`` entry of a detection frame."""
    where = f"detections[{index}]"
    if not isinstance(item, dict):
        raise MessageError(f"{where} is not an object")
    label = item.get("label")
    if not isinstance(label, str):
        raise MessageError(f"{where}.label is missing or not text")
    label = _text(label, f"{where}.label", MAX_LABEL_LENGTH)
    score = _finite(item.get("score"), f"{where}.score")
    if not 0.0 <= score <= 1.0:
        raise MessageError(f"{where}.score {score} is outside 0..1")
    box = item.get("box")
    if not isinstance(box, list) or len(box) != 4:
        raise MessageError(f"{where}.box is not [xmin, ymin, xmax, ymax]")
    xmin, ymin, xmax, ymax = (_finite(value, f"{where}.box") for value in box)
    if xmax < xmin or ymax < ymin:
        raise MessageError(f"{where}.box has negative width or height")
    return Detection(label, score, (xmin, ymin, xmax, ymax))


def parse_detection_frame(payload: bytes | str | dict[str, Any]) -> DetectionFrame:
    """Parse and validate a detection frame; raises MessageError naming the field."""
    message = _decode(payload)
    schema = message.get("schema", DETECTIONS_SCHEMA)
    if schema != DETECTIONS_SCHEMA:
        raise MessageError(f"unsupported schema {schema!r}")
    items = _require(message, "detections", list)
    frame_size = message.get("frameSize")
    if frame_size is not None and not (
        isinstance(frame_size, list)
        and len(frame_size) == 2
        and all(isinstance(side, int) and side > 0 for side in frame_size)
    ):
        raise MessageError("field 'frameSize' is not [width, height]")
    inference_ms = message.get("inferenceMs")
    return DetectionFrame(
        device=_name(message, "device", default="local"),
        camera=_name(message, "camera", default="default"),
        timestamp=_time(message, "timestamp"),
        detections=tuple(
            detection
            for detection in (parse_detection(item, index) for index, item in enumerate(items))
            # An unused class id's placeholder name is never a thing that was seen.
            if detection.label != UNUSED_LABEL
        ),
        source=str(message.get("source", "")),
        frame_size=tuple(frame_size) if frame_size else None,
        inference_ms=None if inference_ms is None else _finite(inference_ms, "inferenceMs"),
    )


def parse_window_summary(payload: bytes | str | dict[str, Any]) -> WindowSummary:
    """Parse and validate a window summary; raises MessageError naming the field."""
    message = _decode(payload)
    schema = message.get("schema", WINDOW_SCHEMA)
    if schema != WINDOW_SCHEMA:
        raise MessageError(f"unsupported schema {schema!r}")
    objects = []
    for index, item in enumerate(_require(message, "objects", list)):
        where = f"objects[{index}]"
        if not isinstance(item, dict):
            raise MessageError(f"{where} is not an object")
        name = item.get("objectName")
        count = item.get("objectCount")
        # Names are kept as sent: readers of summaries clean them for their own
        # use (speech, displays), and a window is not lost over one odd name.
        if not isinstance(name, str) or not name.strip():
            raise MessageError(f"{where}.objectName is missing or empty")
        name = name.strip()
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise MessageError(f"{where}.objectCount is not a count")
        instances = item.get("maxInstances", 1)
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
            raise MessageError(f"{where}.maxInstances is not a count")
        objects.append(
            ObjectSummary(
                name=name,
                frame_count=count,
                max_instances=instances,
                best_score=_finite(item.get("bestScore", 0.0), f"{where}.bestScore"),
                mean_score=None,
                first_seen=None,
                last_seen=_time(item, "lastSeen") if "lastSeen" in item else None,
            )
        )
    frames = message.get("frames", 0)
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 0:
        raise MessageError("field 'frames' is not a count")
    start, end = _time(message, "windowStart"), _time(message, "windowEnd")
    if end <= start:
        raise MessageError("field 'windowEnd' is not after 'windowStart'")
    return WindowSummary(
        device=_name(message, "device", default="local"),
        camera=_name(message, "camera", default="default"),
        window_start=start,
        window_end=end,
        frames=frames,
        objects=tuple(objects),
        min_count=int(message.get("minCount", 1)) if isinstance(message.get("minCount", 1), int) else 1,
        camera_status=str(message.get("cameraStatus", "online")),
    )


CAMERA_STATUS_SCHEMA = "seesay.camera-status/1"
CAMERA_STATUSES = ("online", "offline")


@dataclass(frozen=True)
class CameraStatus:
    """A camera going online or offline, so "sees nothing" differs from "camera off"."""

    device: str
    camera: str
    status: str
    timestamp: datetime
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": CAMERA_STATUS_SCHEMA,
            "device": self.device,
            "camera": self.camera,
            "status": self.status,
            "timestamp": format_timestamp(self.timestamp),
            "reason": self.reason,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


def parse_camera_status(payload: bytes | str | dict[str, Any]) -> CameraStatus:
    """Parse and validate a camera status; raises MessageError naming the field."""
    message = _decode(payload)
    schema = message.get("schema", CAMERA_STATUS_SCHEMA)
    if schema != CAMERA_STATUS_SCHEMA:
        raise MessageError(f"unsupported schema {schema!r}")
    status = message.get("status")
    if status not in CAMERA_STATUSES:
        raise MessageError(f"field 'status' must be one of {CAMERA_STATUSES}, not {status!r}")
    return CameraStatus(
        device=_name(message, "device", default="local"),
        camera=_name(message, "camera", default="default"),
        status=status,
        timestamp=_time(message, "timestamp"),
        reason=str(message.get("reason", "")),
    )
