"""Tumbling windows over detection frames, in event time.

Windows are ``[start, start + width)``, aligned to the Unix epoch like a SQL
``STEP`` window, and kept per (device, camera). Each camera has a watermark:
the newest frame time it has sent minus the allowed lateness. A window closes
once the watermark reaches its end.

Lateness policy: a frame whose window has already closed is *late*. It is
dropped, counted, and reported in that camera's next summary as
``lateFrames``; a closed window is never reopened or emitted twice.

The open state is a small snapshot (:meth:`TumblingWindows.snapshot`) that a
checkpoint can store and :meth:`TumblingWindows.restore` can bring back. All
times are timezone-aware UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from collections.abc import Callable

from seesay.contract import DetectionFrame, ObjectSummary, WindowSummary
from seesay.timestamps import format_timestamp, parse_timestamp, utc_now

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_MICROSECOND = timedelta(microseconds=1)
SNAPSHOT_VERSION = 1


@dataclass
class LabelTally:
    """One label's running counts inside one open window."""

    frames: int = 0
    max_instances: int = 0
    best_score: float = 0.0
    score_sum: float = 0.0
    detections: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def add(self, scores: list[float], when: datetime) -> None:
        self.frames += 1
        self.max_instances = max(self.max_instances, len(scores))
        self.best_score = max(self.best_score, max(scores))
        self.score_sum += sum(scores)
        self.detections += len(scores)
        self.first_seen = when if self.first_seen is None else min(self.first_seen, when)
        self.last_seen = when if self.last_seen is None else max(self.last_seen, when)

    def to_snapshot(self) -> list[Any]:
        return [
            self.frames, self.max_instances, self.best_score, self.score_sum, self.detections,
            format_timestamp(self.first_seen), format_timestamp(self.last_seen),
        ]

    @classmethod
    def from_snapshot(cls, values: list[Any]) -> LabelTally:
        frames, most, best, total, detections, first, last = values
        return cls(frames, most, best, total, detections,
                   parse_timestamp(first), parse_timestamp(last))


@dataclass
class OpenWindow:
    """A window that has received frames and not yet closed."""

    start: datetime
    end: datetime
    frames: int = 0
    labels: dict[str, LabelTally] = field(default_factory=dict)


@dataclass
class CameraState:
    """Per-camera clock: open windows, the watermark, and what has closed."""

    windows: dict[datetime, OpenWindow] = field(default_factory=dict)
    newest: datetime | None = None
    closed_until: datetime | None = None
    late_frames: int = 0
    status: str = "online"


@dataclass
class WindowStats:
    """Counters a running aggregator reports."""

    frames: int = 0
    late_frames: int = 0
    future_frames: int = 0
    windows_emitted: int = 0


class SnapshotWidthMismatch(ValueError):
    """A snapshot taken with another window width; ``width_s`` is the one it used."""

    def __init__(self, width_s: float, message: str) -> None:
        super().__init__(message)
        self.width_s = width_s


class TumblingWindows:
    """Folds detection frames into per-camera tumbling windows.

    Args:
        width_s: window length in seconds (the old design used 10).
        min_count: a label is reported when seen in at least this many frames
            of the window; 2 keeps the old design's "more than once".
        allowed_lateness_s: how far behind its camera's newest frame a frame
            may arrive and still be counted.
        min_score: detections below this score are ignored.
        max_future_s: frames stamped more than this far ahead of ``clock`` are
            refused and counted: one frame from a clock gone wrong would
            otherwise close every window up to its time and make the camera's
            real frames late. None turns the check off.
        clock: the wall clock, aware UTC.
    """

    def __init__(
        self,
        width_s: float = 10.0,
        min_count: int = 2,
        allowed_lateness_s: float = 0.0,
        min_score: float = 0.0,
        max_future_s: float | None = 300.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if width_s <= 0:
            raise ValueError(f"window width must be positive, not {width_s}")
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, not {min_count}")
        if allowed_lateness_s < 0:
            raise ValueError(f"allowed lateness must not be negative, not {allowed_lateness_s}")
        self.width = timedelta(seconds=width_s)
        self.min_count = min_count
        self.lateness = timedelta(seconds=allowed_lateness_s)
        self.min_score = min_score
        self.max_future = None if max_future_s is None else timedelta(seconds=max_future_s)
        self.clock = clock
        self.stats = WindowStats()
        self._cameras: dict[tuple[str, str], CameraState] = {}

    def window_start(self, moment: datetime) -> datetime:
        """Start of the epoch-aligned window holding ``moment`` (half-open)."""
        offset = (moment - EPOCH) // ONE_MICROSECOND
        width = self.width // ONE_MICROSECOND
        return EPOCH + timedelta(microseconds=offset - offset % width)

    def add(self, frame: DetectionFrame) -> list[WindowSummary]:
        """Fold one frame in; returns the windows its watermark advance closed."""
        key = (frame.device, frame.camera)
        if self.max_future is not None and frame.timestamp > self.clock() + self.max_future:
            if self.stats.future_frames == 0:
                logger.warning(
                    "camera %s/%s: frame stamped %s is ahead of this device's clock; "
                    "frames from the future are refused and counted",
                    *key, format_timestamp(frame.timestamp),
                )
            self.stats.future_frames += 1
            return []
        camera = self._cameras.setdefault(key, CameraState())
        start = self.window_start(frame.timestamp)

        if camera.closed_until is not None and start < camera.closed_until:
            if camera.late_frames == 0:
                logger.warning(
                    "camera %s/%s: frame at %s arrived after its window closed; "
                    "late frames are dropped and counted", *key, format_timestamp(frame.timestamp),
                )
            camera.late_frames += 1
            self.stats.late_frames += 1
            return []

        camera.status = "online"
        window = camera.windows.get(start)
        if window is None:
            window = camera.windows[start] = OpenWindow(start, start + self.width)
        window.frames += 1
        self.stats.frames += 1
        scores_by_label: dict[str, list[float]] = {}
        for detection in frame.detections:
            if detection.score >= self.min_score:
                scores_by_label.setdefault(detection.label, []).append(detection.score)
        for label, scores in scores_by_label.items():
            window.labels.setdefault(label, LabelTally()).add(scores, frame.timestamp)

        if camera.newest is None or frame.timestamp > camera.newest:
            camera.newest = frame.timestamp
        return self._close(key, camera, camera.newest - self.lateness)

    def camera_offline(self, device: str, camera_id: str, when: datetime) -> list[WindowSummary]:
        """A camera reported itself offline: close its windows, saying so.

        If it has no open window, an empty one (no frames) is emitted for the
        moment it went offline, so downstream hears "camera off" rather than
        silence.
        """
        key = (device, camera_id)
        camera = self._cameras.setdefault(key, CameraState())
        camera.status = "offline"
        if not camera.windows:
            start = self.window_start(when)
            if camera.closed_until is None or start >= camera.closed_until:
                camera.windows[start] = OpenWindow(start, start + self.width)
        return self.flush(key)

    def close_for(self, watermark: datetime) -> list[WindowSummary]:
        """Close every camera's windows that end at or before ``watermark``."""
        closed = []
        for key, camera in self._cameras.items():
            closed.extend(self._close(key, camera, watermark))
        return closed

    def flush(self, key: tuple[str, str] | None = None) -> list[WindowSummary]:
        """Close every open window now, of one (device, camera) or of all.

        Used at the end of input, at shutdown, and when a camera has gone quiet.
        """
        closed = []
        for camera_key, camera in self._cameras.items():
            if key is not None and camera_key != key:
                continue
            if camera.windows:
                closed.extend(self._close(camera_key, camera, max(camera.windows) + self.width))
        return closed

    def open_windows(self) -> int:
        """How many windows are open across all cameras."""
        return sum(len(camera.windows) for camera in self._cameras.values())

    def cameras(self) -> list[tuple[str, str]]:
        """The (device, camera) pairs seen so far."""
        return list(self._cameras)

    def _close(
        self, key: tuple[str, str], camera: CameraState, watermark: datetime
    ) -> list[WindowSummary]:
        closed = []
        for start in sorted(camera.windows):
            window = camera.windows[start]
            if window.end > watermark:
                break
            del camera.windows[start]
            camera.closed_until = max(camera.closed_until or window.end, window.end)
            closed.append(self._summarise(key, camera, window))
            camera.late_frames = 0
        self.stats.windows_emitted += len(closed)
        return closed

    def _summarise(
        self, key: tuple[str, str], camera: CameraState, window: OpenWindow
    ) -> WindowSummary:
        objects = [
            ObjectSummary(
                name=label,
                frame_count=tally.frames,
                max_instances=tally.max_instances,
                best_score=tally.best_score,
                mean_score=tally.score_sum / tally.detections,
                first_seen=tally.first_seen,
                last_seen=tally.last_seen,
            )
            for label, tally in window.labels.items()
            if tally.frames >= self.min_count
        ]
        objects.sort(key=lambda summary: (-summary.frame_count, summary.name))
        device, camera_id = key
        return WindowSummary(
            device=device,
            camera=camera_id,
            window_start=window.start,
            window_end=window.end,
            frames=window.frames,
            objects=tuple(objects),
            min_count=self.min_count,
            camera_status=camera.status,
            extra={"lateFrames": camera.late_frames} if camera.late_frames else {},
        )

    def snapshot(self) -> dict[str, Any]:
        """The open state as plain JSON-able data, for a checkpoint.

        Shape: ``{"version": 1, "widthSeconds": w, "cameras": [{"device",
        "camera", "newest", "closedUntil", "lateFrames", "status", "windows":
        [{"start", "frames", "labels": {label: [frames, maxInstances,
        bestScore, scoreSum, detections, firstSeen, lastSeen]}}]}]}``.
        """
        cameras = []
        for (device, camera_id), camera in self._cameras.items():
            cameras.append({
                "device": device,
                "camera": camera_id,
                "newest": camera.newest and format_timestamp(camera.newest),
                "closedUntil": camera.closed_until and format_timestamp(camera.closed_until),
                "lateFrames": camera.late_frames,
                "status": camera.status,
                "windows": [
                    {
                        "start": format_timestamp(window.start),
                        "frames": window.frames,
                        "labels": {
                            label: tally.to_snapshot() for label, tally in window.labels.items()
                        },
                    }
                    for window in camera.windows.values()
                ],
            })
        return {
            "version": SNAPSHOT_VERSION,
            "widthSeconds": self.width.total_seconds(),
            "cameras": cameras,
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Bring back the state of :meth:`snapshot`; raises ValueError if it does not fit."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"snapshot version {snapshot.get('version')!r} is not supported")
        width_s = snapshot.get("widthSeconds")
        if width_s != self.width.total_seconds():
            if isinstance(width_s, (int, float)) and not isinstance(width_s, bool) and width_s > 0:
                raise SnapshotWidthMismatch(
                    float(width_s),
                    f"snapshot was taken with {width_s} s windows, "
                    f"not {self.width.total_seconds()} s",
                )
            raise ValueError(f"snapshot window width {width_s!r} is not a positive number")
        cameras: dict[tuple[str, str], CameraState] = {}
        for entry in snapshot["cameras"]:
            state = CameraState(
                newest=entry["newest"] and parse_timestamp(entry["newest"]),
                closed_until=entry["closedUntil"] and parse_timestamp(entry["closedUntil"]),
                late_frames=int(entry.get("lateFrames", 0)),
                status=str(entry.get("status", "online")),
            )
            for item in entry["windows"]:
                start = parse_timestamp(item["start"])
                if start != self.window_start(start):
                    raise ValueError(f"snapshot window start {item['start']} is not aligned")
                window = OpenWindow(
                    start,
                    start + self.width,
                    int(item["frames"]),
                    {_checked_text(label): LabelTally.from_snapshot(values)
                     for label, values in item["labels"].items()},
                )
                if window.frames < 0 or any(
                    not 0 < tally.frames <= window.frames or tally.max_instances < 1
                    for tally in window.labels.values()
                ):
                    raise ValueError(f"snapshot window {item['start']} has impossible counts")
                state.windows[start] = window
            device, camera_id = _checked_text(entry["device"]), _checked_text(entry["camera"])
            cameras[(device, camera_id)] = state
        self._cameras = cameras


def _checked_text(value: object) -> str:
    """An id or label from a snapshot: text that can be sent on as UTF-8."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"snapshot holds {value!r} where a name belongs")
    value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError
    return value
