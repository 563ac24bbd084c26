"""Live frames from a camera device or a network stream (RTSP, HTTP) through OpenCV.

A grabber thread reads the capture as fast as it delivers and keeps only the
newest frame: when inference is slower than the camera, older frames are
dropped (and counted), never queued. When the capture fails, stops giving
frames, or gives none for ``frame_timeout_s``, the camera is reported offline
once, and the grabber reconnects with exponential back-off; the first frame
after that reports it online again. Status changes reach ``on_status`` on the
consumer's thread, in order with the frames.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from seesay.timestamps import utc_now
from seesay_detector.frames import (
    Frame,
    FrameError,
    SourceStats,
    bgr_to_rgb,
    check_frame_size,
)

logger = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp")
STREAM_TIMEOUT_MS = 5000
FAILED_READS_BEFORE_RECONNECT = 3

StatusHandler = Callable[[str, str], None]


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` the camera source uses."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


def open_capture(target: int | str) -> Capture:
    """An OpenCV capture for a device index, a stream URL or a video file."""
    if isinstance(target, str) and urlsplit(target).scheme in STREAM_SCHEMES:
        return cv2.VideoCapture(
            target,
            cv2.CAP_ANY,
            [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
            ],
        )
    return cv2.VideoCapture(target)


def describe_target(target: int | str) -> str:
    """A camera target fit for logs and messages: device index, or URL without password."""
    if isinstance(target, int):
        return f"camera device {target}"
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: ``first_s``, doubling after each failure, capped at ``max_s``."""

    first_s: float = 1.0
    max_s: float = 30.0

    def delays(self) -> Iterator[float]:
        delay = self.first_s
        while True:
            yield delay
            delay = min(delay * 2, self.max_s)


class CameraSource:
    """Newest-frame-first frames from one camera, reconnecting when it is lost."""

    def __init__(
        self,
        target: int | str,
        stats: SourceStats,
        on_status: StatusHandler | None = None,
        backoff: Backoff = Backoff(),
        frame_timeout_s: float = 10.0,
        open_capture: Callable[[int | str], Capture] = open_capture,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.target = target
        self.name = describe_target(target)
        self.stats = stats
        self._on_status = on_status or (lambda status, reason: None)
        self._backoff = backoff
        self._frame_timeout_s = frame_timeout_s
        self._open = open_capture
        self._clock = clock
        self._changed = threading.Condition()
        self._latest: tuple[np.ndarray, datetime] | None = None
        self._sequence = 0
        self._status: str | None = None
        self._events: list[tuple[str, str]] = []
        self._unusable_spell = False

    @property
    def status(self) -> str | None:
        """``online``, ``offline``, or None before the first attempt to open."""
        return self._status

    def _set_status(self, status: str, reason: str) -> None:
        with self._changed:
            if status == self._status:
                return
            self._status = status
            self._events.append((status, reason))
            self._changed.notify_all()
        level = logging.INFO if status == ONLINE else logging.WARNING
        logger.log(level, "%s is %s: %s", self.name, status, reason)

    def _grab(self, stop: threading.Event) -> None:
        delays = self._backoff.delays()
        while not stop.is_set():
            capture: Capture | None = None
            try:
                capture = self._open(self.target)
                reason = (
                    self._read_until_failure(capture, stop)
                    if capture.isOpened()
                    else ("cannot open")
                )
            except Exception as error:  # a driver error is a lost camera, not a crash
                reason = f"capture failed: {error}"
            finally:
                if capture is not None:
                    capture.release()
            if stop.is_set():
                return
            if self._status == ONLINE:
                delays = self._backoff.delays()  # it worked a moment ago: retry soon
            delay = next(delays)
            self._set_status(OFFLINE, f"{reason}; reconnecting in {delay:.1f} s")
            stop.wait(delay)

    def _read_until_failure(self, capture: Capture, stop: threading.Event) -> str:
        """Read frames until the capture fails; returns why it stopped."""
        failures = 0
        while not stop.is_set():
            ok, bgr = capture.read()
            if not ok or bgr is None or bgr.size == 0:
                failures += 1
                if failures >= FAILED_READS_BEFORE_RECONNECT:
                    return f"no frame in {failures} reads"
                time.sleep(0.05)
                continue
            failures = 0
            with self._changed:
                if self._latest is not None:
                    self.stats.dropped += 1
                self._latest = (bgr, self._clock())
                self._sequence += 1
                self._changed.notify_all()
            if self._status != ONLINE:
                self._set_status(ONLINE, "frames arriving")
        return "stopped"

    def _usable_rgb(self, bgr: np.ndarray) -> np.ndarray | None:
        """The frame as RGB, or None when it is unusable (counted, and logged once a spell)."""
        try:
            check_frame_size(bgr.shape[1], bgr.shape[0], self.name)
            rgb = bgr_to_rgb(bgr, self.name)
        except FrameError as error:
            self.stats.skip(self.name, str(error), kind=error.kind, log=not self._unusable_spell)
            self._unusable_spell = True
            return None
        if self._unusable_spell:
            self._unusable_spell = False
            logger.info("%s: frames are usable again", self.name)
        return rgb

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """The newest frame each time one is asked for, until ``stop`` is set."""
        grabber = threading.Thread(
            target=self._grab, args=(stop,), name="camera-grabber", daemon=True
        )
        grabber.start()
        seen = 0
        try:
            while not stop.is_set():
                deadline = time.monotonic() + self._frame_timeout_s
                with self._changed:
                    arrived = False
                    while not (arrived or stop.is_set() or time.monotonic() >= deadline):
                        # short waits, so a stop is noticed without a notify
                        arrived = self._changed.wait_for(
                            lambda: self._sequence != seen or bool(self._events), timeout=0.25
                        )
                    events, self._events = self._events, []
                    latest, self._latest = self._latest, None
                    seen = self._sequence
                for status, reason in events:
                    self._on_status(status, reason)
                if latest is not None:
                    bgr, timestamp = latest
                    rgb = self._usable_rgb(bgr)
                    if rgb is None:
                        continue
                    self.stats.frames += 1
                    yield Frame(rgb, self.name, timestamp)
                elif not arrived and not stop.is_set() and self._status == ONLINE:
                    # Limitation: a capture whose read() hangs cannot be
                    # interrupted; it is reported offline here and replaced only
                    # if the read ever returns.
                    self._set_status(OFFLINE, f"no frame for {self._frame_timeout_s:.0f} s")
        finally:
            stop.set()
            grabber.join(timeout=2.0)
            with self._changed:
                events, self._events = self._events, []
            for status, reason in events:
                self._on_status(status, reason)


def parse_camera_target(text: str) -> int | str:
    """``"0"`` or ``"camera:0"`` is a device index; anything else a URL or path."""
    bare = text.removeprefix("camera:")
    return int(bare) if bare.isdigit() else text


def is_stream_url(text: str) -> bool:
    """Whether ``text`` names a network stream OpenCV can open."""
    return urlsplit(text).scheme in STREAM_SCHEMES
