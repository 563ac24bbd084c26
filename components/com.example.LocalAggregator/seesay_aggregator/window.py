"""Tumbling windows over detection frames, in event time.

Windows are ``[start, start + width)``, aligned to the Unix epoch like a SQL
``STEP`` window, and kept per (device, camera). Each camera has a watermark:
the newest frame time it has sent minus the allowed lateness. A window closes
once the watermark reaches its end; a frame for a window that has already
closed is late, is counted, and is dropped, so no window is emitted twice.
All times are timezone-aware UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from seesay.contract import DetectionFrame, ObjectSummary, WindowSummary

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_MICROSECOND = timedelta(microseconds=1)


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


@dataclass
class WindowStats:
    """Counters a running aggregator reports."""

    frames: int = 0
    late_frames: int = 0
    windows_emitted: int = 0


class TumblingWindows:
    """Folds detection frames into per-camera tumbling windows.

    Args:
        width_s: window length in seconds (the old design used 10).
        min_count: a label is reported when seen in at least this many frames
            of the window; 2 keeps the old design's "more than once".
        allowed_lateness_s: how far behind its camera's newest frame a frame
            may arrive and still be counted.
        min_score: detections below this score are ignored.
    """

    def __init__(
        self,
        width_s: float = 10.0,
        min_count: int = 2,
        allowed_lateness_s: float = 0.0,
        min_score: float = 0.0,
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
        camera = self._cameras.setdefault(key, CameraState())
        start = self.window_start(frame.timestamp)

        if camera.closed_until is not None and start < camera.closed_until:
            self.stats.late_frames += 1
            logger.debug("late frame for %s/%s at %s dropped", *key, frame.timestamp)
            return []

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

    def close_for(self, watermark: datetime) -> list[WindowSummary]:
        """Close every camera's windows that end at or before ``watermark``.

        Used by the idle timer, so a camera that goes quiet still gets its last
        window emitted.
        """
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
            closed.append(self._summarise(key, window))
        self.stats.windows_emitted += len(closed)
        return closed

    def _summarise(self, key: tuple[str, str], window: OpenWindow) -> WindowSummary:
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
        device, camera = key
        return WindowSummary(
            device=device,
            camera=camera,
            window_start=window.start,
            window_end=window.end,
            frames=window.frames,
            objects=tuple(objects),
            min_count=self.min_count,
        )
