"""The running LocalAggregator: detections in over local pub/sub, summaries out to IoT Core."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from seesay.contract import MessageError, WindowSummary, parse_detection_frame
from seesay.topics import DETECTIONS_TOPIC, windows_topic
from seesay.transport import Transport, TransportError
from seesay_aggregator.window import TumblingWindows

logger = logging.getLogger(__name__)


@dataclass
class AggregatorStats:
    """Counters beside the window's own."""

    malformed: int = 0
    published: int = 0
    publish_failures: int = 0


class AggregatorComponent:
    """Subscribes to detections, folds them into windows, publishes closed windows.

    A camera whose frames stop for ``idle_close_s`` seconds of wall time has its
    open windows closed by a timer, so its last window is not held back forever.
    """

    def __init__(
        self,
        transport: Transport,
        windows: TumblingWindows,
        thing_name: str,
        detections_topic: str = DETECTIONS_TOPIC,
        idle_close_s: float | None = None,
    ) -> None:
        self.transport = transport
        self.windows = windows
        self.detections_topic = detections_topic
        self.summaries_topic = windows_topic(thing_name)
        self.idle_close_s = (
            idle_close_s
            if idle_close_s is not None
            else windows.width.total_seconds() + windows.lateness.total_seconds()
        )
        self.stats = AggregatorStats()
        self._lock = threading.Lock()
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None

    def start(self) -> None:
        """Subscribe and start the idle timer."""
        self.transport.subscribe(self.detections_topic, self.on_message)
        self._timer = threading.Thread(target=self._run_timer, name="idle-timer", daemon=True)
        self._timer.start()
        logger.info(
            "aggregating %s into %.0f s windows (min count %d), publishing to %s",
            self.detections_topic,
            self.windows.width.total_seconds(),
            self.windows.min_count,
            self.summaries_topic,
        )

    def on_message(self, topic: str, payload: bytes) -> None:
        """Handle one detection message; malformed ones are counted and skipped."""
        try:
            frame = parse_detection_frame(payload)
        except MessageError as error:
            self.stats.malformed += 1
            logger.warning("skipped malformed message on %s: %s", topic, error)
            return
        with self._lock:
            self._last_arrival[(frame.device, frame.camera)] = time.monotonic()
            closed = self.windows.add(frame)
        self._publish(closed)

    def close_idle(self, now: float | None = None) -> None:
        """Close windows of cameras that have sent nothing for ``idle_close_s``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [
                key for key, arrived in self._last_arrival.items()
                if now - arrived >= self.idle_close_s
            ]
            closed = []
            for key in idle:
                closed.extend(self.windows.flush(key))
                del self._last_arrival[key]
        if closed:
            logger.info("closed %d window(s) of quiet camera(s) on the idle timer", len(closed))
        self._publish(closed)

    def stop(self) -> None:
        """Flush every open window and stop the timer."""
        self._stopping.set()
        with self._lock:
            closed = self.windows.flush()
        self._publish(closed)
        logger.info(
            "aggregator stopped: %d frames, %d late, %d malformed, %d windows published",
            self.windows.stats.frames,
            self.windows.stats.late_frames,
            self.stats.malformed,
            self.stats.published,
        )

    def _run_timer(self) -> None:
        tick = min(1.0, max(0.05, self.idle_close_s / 4))
        while not self._stopping.wait(tick):
            self.close_idle()

    def _publish(self, summaries: list[WindowSummary]) -> None:
        for summary in summaries:
            try:
                self.transport.publish_to_cloud(self.summaries_topic, summary.to_json().encode())
            except TransportError as error:
                self.stats.publish_failures += 1
                logger.error("could not publish window %s: %s", summary.window_id, error)
                continue
            self.stats.published += 1
            logger.info(
                "window %s emitted: %d frames, %s",
                summary.window_id,
                summary.frames,
                ", ".join(f"{o.name} x{o.max_instances}" for o in summary.objects) or "nothing",
            )
