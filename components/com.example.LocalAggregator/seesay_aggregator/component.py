"""The running LocalAggregator: detections in over local pub/sub, summaries out to IoT Core.

Every change of state is checkpointed before anything is published: a closed
window goes into the outbox in the state file, is published at QoS 1, and
leaves the outbox once the transport has taken it. A restart (even after
``kill -9``) restores the open windows and re-sends whatever was still in the
outbox, so no window is lost; each carries a ``windowId`` so that the rare
re-send of a window the transport had already taken can be dropped downstream.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from seesay.contract import (
    MessageError,
    WindowSummary,
    parse_camera_status,
    parse_detection_frame,
    parse_window_summary,
)
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC, windows_topic
from seesay.transport import Transport, TransportError
from seesay_aggregator.checkpoint import Checkpoint, SavedState
from seesay_aggregator.payload import IOT_CORE_MAX_PAYLOAD, encode_summary
from seesay_aggregator.window import SnapshotWidthMismatch, TumblingWindows

logger = logging.getLogger(__name__)

DEFAULT_OUTBOX_LIMIT = 1000


@dataclass
class AggregatorStats:
    """Counters beside the windows' own."""

    malformed: int = 0
    published: int = 0
    publish_failures: int = 0
    outbox_dropped: int = 0
    restored_windows: int = 0


class AggregatorComponent:
    """Subscribes to detections, folds them into windows, publishes closed windows.

    Args:
        transport: local pub/sub in, IoT Core out.
        windows: the window logic and its settings.
        thing_name: the device's thing name; summaries go to ``seesay/<thing>/windows``.
        detections_topic: where the detector publishes.
        idle_close_s: a camera whose frames stop for this long (wall time) has
            its open windows closed; defaults to window width plus lateness.
        state_file: where open windows and the outbox are checkpointed; None
            keeps them in memory only.
        outbox_limit: the most unpublished summaries kept while IoT Core is
            unreachable; the oldest are dropped beyond it, and counted.
    """

    def __init__(
        self,
        transport: Transport,
        windows: TumblingWindows,
        thing_name: str,
        detections_topic: str = DETECTIONS_TOPIC,
        idle_close_s: float | None = None,
        state_file: Path | None = None,
        outbox_limit: int = DEFAULT_OUTBOX_LIMIT,
        status_topic: str = CAMERA_STATUS_TOPIC,
    ) -> None:
        self.transport = transport
        self.windows = windows
        self.detections_topic = detections_topic
        self.status_topic = status_topic
        self.summaries_topic = windows_topic(thing_name)
        self.idle_close_s = (
            idle_close_s
            if idle_close_s is not None
            else windows.width.total_seconds() + windows.lateness.total_seconds()
        )
        self.stats = AggregatorStats()
        self._checkpoint = Checkpoint(state_file) if state_file is not None else None
        self._outbox: deque[bytes] = deque()
        self._outbox_limit = outbox_limit
        self._lock = threading.RLock()
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None
        self._subscribed = False
        self._publishing = True
        self._restore()

    def _restore(self) -> None:
        if self._checkpoint is None:
            return
        saved = self._checkpoint.load()
        if saved.windows is not None:
            try:
                self.windows.restore(saved.windows)
            except SnapshotWidthMismatch as mismatch:
                self._close_windows_of_another_width(saved.windows, mismatch)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                self._checkpoint.set_aside(f"not restorable ({error})")
        for item in saved.outbox:
            if self._sendable(item):
                self._outbox.append(item.encode("utf-8"))
            else:
                self.stats.outbox_dropped += 1
                logger.error("dropped an unsendable summary from the saved outbox")
        while len(self._outbox) > self._outbox_limit:
            self._outbox.popleft()
            self.stats.outbox_dropped += 1
        self.stats.restored_windows = self.windows.open_windows()
        now = time.monotonic()
        for key in self.windows.cameras():
            self._last_arrival[key] = now
        if self.stats.restored_windows or self._outbox:
            logger.info(
                "restored %d open window(s) and %d unpublished summary(ies) from %s",
                self.stats.restored_windows, len(self._outbox), self._checkpoint.path,
            )

    def _close_windows_of_another_width(self, snapshot, mismatch: SnapshotWidthMismatch) -> None:
        """Windows saved under another WindowSeconds are closed as they were and sent."""
        previous = TumblingWindows(
            width_s=mismatch.width_s,
            min_count=self.windows.min_count,
            min_score=self.windows.min_score,
            max_future_s=None,
        )
        try:
            previous.restore(snapshot)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            self._checkpoint.set_aside(f"not restorable ({error})")
            return
        closed = previous.flush()
        logger.warning(
            "state file was written with %.1f s windows: closing its %d open window(s) as they were",
            mismatch.width_s, len(closed),
        )
        self._outbox.extend(encode_summary(summary) for summary in closed)

    @staticmethod
    def _sendable(item: str) -> bool:
        """A saved summary is sent only if it is still a summary that fits IoT Core."""
        if len(item.encode("utf-8", errors="replace")) > IOT_CORE_MAX_PAYLOAD:
            return False
        try:
            parse_window_summary(item)
            item.encode("utf-8")
        except (MessageError, UnicodeEncodeError):
            return False
        return True

    def start(self) -> None:
        """Subscribe, re-send anything left from before, and start the timer.

        A subscription the nucleus refuses (a recipe without the matching
        accessControl entry) is logged and retried with back-off by the timer,
        rather than crashing the component into a restart loop.
        """
        self._subscribed = self._subscribe()
        self._drain_outbox()
        self._timer = threading.Thread(target=self._run_timer, name="idle-timer", daemon=True)
        self._timer.start()
        logger.info(
            "aggregating %s into %.0f s windows (min count %d), publishing to %s",
            self.detections_topic,
            self.windows.width.total_seconds(),
            self.windows.min_count,
            self.summaries_topic,
        )

    def _subscribe(self) -> bool:
        try:
            self.transport.subscribe(self.detections_topic, self.on_message)
            self.transport.subscribe(self.status_topic, self.on_status)
        except TransportError as error:
            logger.error(
                "cannot subscribe (is the topic allowed by the recipe's accessControl?): %s; "
                "retrying", error,
            )
            return False
        return True

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
            self._emit(self.windows.add(frame))

    def on_status(self, topic: str, payload: bytes) -> None:
        """A camera went offline (or came back): offline closes its windows, saying so."""
        try:
            status = parse_camera_status(payload)
        except MessageError as error:
            self.stats.malformed += 1
            logger.warning("skipped malformed camera status on %s: %s", topic, error)
            return
        logger.info("camera %s/%s is %s", status.device, status.camera, status.status)
        if status.status == "offline":
            with self._lock:
                self._last_arrival.pop((status.device, status.camera), None)
                self._emit(self.windows.camera_offline(status.device, status.camera,
                                                       status.timestamp))

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
            self._emit(closed)

    def stop(self) -> None:
        """Flush every open window (SIGTERM, end of input) and stop the timer."""
        self._stopping.set()
        with self._lock:
            self._emit(self.windows.flush())
        logger.info(
            "aggregator stopped: %d frames, %d late, %d from the future, %d malformed, "
            "%d windows published, %d left unpublished",
            self.windows.stats.frames,
            self.windows.stats.late_frames,
            self.windows.stats.future_frames,
            self.stats.malformed,
            self.stats.published,
            len(self._outbox),
        )

    def _run_timer(self) -> None:
        tick = min(1.0, max(0.05, self.idle_close_s / 4))
        retry_at, backoff = time.monotonic(), 1.0
        while not self._stopping.wait(tick):
            try:
                if not self._subscribed and time.monotonic() >= retry_at:
                    self._subscribed = self._subscribe()
                    retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, 60.0)
                self.close_idle()
                if self._outbox:
                    with self._lock:
                        self._drain_outbox()
            except Exception:
                # The timer is what closes quiet cameras' windows: it must outlive
                # any one bad window.
                logger.exception("idle timer tick failed; carrying on")

    def _emit(self, summaries: list[WindowSummary]) -> None:
        """Checkpoint, then publish: called with the lock held."""
        for summary in summaries:
            self._outbox.append(encode_summary(summary))
            logger.info(
                "window %s closed: %d frames, %s",
                summary.window_id,
                summary.frames,
                ", ".join(f"{o.name} x{o.max_instances}" for o in summary.objects) or "nothing",
            )
        while len(self._outbox) > self._outbox_limit:
            self._outbox.popleft()
            self.stats.outbox_dropped += 1
            logger.warning("outbox full: oldest unpublished summary dropped")
        self._save()
        if summaries:
            self._drain_outbox()

    def _drain_outbox(self) -> None:
        sent = 0
        while self._outbox:
            try:
                self.transport.publish_to_cloud(self.summaries_topic, self._outbox[0])
            except TransportError as error:
                self.stats.publish_failures += 1
                if self._publishing:
                    logger.error(
                        "publish to %s failed, keeping %d summary(ies) to retry: %s",
                        self.summaries_topic, len(self._outbox), error,
                    )
                self._publishing = False
                break
            if not self._publishing:
                logger.info("publishing to %s again", self.summaries_topic)
                self._publishing = True
            self._outbox.popleft()
            self.stats.published += 1
            sent += 1
        if sent:
            self._save()

    def _save(self) -> None:
        if self._checkpoint is None:
            return
        state = SavedState(
            windows=self.windows.snapshot(),
            outbox=[item.decode("utf-8") for item in self._outbox],
        )
        try:
            self._checkpoint.save(state)
        except OSError as error:
            logger.error("could not write state file %s: %s", self._checkpoint.path, error)
