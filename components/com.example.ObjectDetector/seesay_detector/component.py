"""The running ObjectDetector: frames in, one detection message per frame out.

A frame whose detection fails, or whose message cannot be published, is
counted and logged when that starts and when it stops, and the component goes
on with the next frame: bad input or a broken link never becomes a crash loop.
Camera status changes are published on their own topic, so downstream can tell
"sees nothing" from "camera off".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from seesay.contract import CameraStatus, DetectionFrame
from seesay.timestamps import utc_now
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC
from seesay.transport import Transport, TransportError
from seesay_detector.annotate import AnnotationWriter
from seesay_detector.detector import Detector
from seesay_detector.frames import Frame, one_line

logger = logging.getLogger(__name__)

# Longest inference interval: a day. ``threading.Event.wait`` and the
# monotonic clock overflow on an infinite or absurd one.
MAX_INTERVAL_S = 86_400.0


@dataclass
class ComponentStats:
    """What the component has done, for logs, tests and the benchmark."""

    published: int = 0
    failed_frames: int = 0
    failed_publishes: int = 0
    statuses: int = 0


class DetectorComponent:
    """Detects objects in each frame and publishes the result on local pub/sub."""

    def __init__(
        self,
        detector: Detector,
        transport: Transport | None,
        device: str,
        camera: str,
        topic: str = DETECTIONS_TOPIC,
        status_topic: str = CAMERA_STATUS_TOPIC,
        annotations: AnnotationWriter | None = None,
    ) -> None:
        self.detector = detector
        self.transport = transport
        self.device = device
        self.camera = camera
        self.topic = topic
        self.status_topic = status_topic
        self.annotations = annotations
        self.stats = ComponentStats()
        self._publish_failing = False
        self._detect_failing = False

    @property
    def published(self) -> int:
        """Detection messages published so far."""
        return self.stats.published

    def process(self, frame: Frame) -> DetectionFrame:
        """Detect one frame and publish it (when there is a transport)."""
        result = self.detector.detect(frame.rgb)
        message = DetectionFrame(
            device=self.device,
            camera=self.camera,
            timestamp=frame.timestamp,
            detections=tuple(result.detections),
            source=frame.source,
            frame_size=frame.size,
            inference_ms=result.inference_ms,
        )
        if self.transport is not None and self._publish(self.topic, message.to_json().encode()):
            self.stats.published += 1
        if self.annotations is not None:
            self.annotations.write(frame.rgb, frame.source, message.detections)
        return message

    def try_process(self, frame: Frame) -> DetectionFrame | None:
        """Like :meth:`process`, but a frame that fails is counted and skipped, not raised."""
        try:
            message = self.process(frame)
        except Exception as error:  # one bad frame must not stop the camera
            self.stats.failed_frames += 1
            if not self._detect_failing:
                self._detect_failing = True
                logger.exception(
                    "camera %s: detection failed on %s: %s",
                    self.camera,
                    one_line(frame.source),
                    error,
                )
            return None
        if self._detect_failing:
            self._detect_failing = False
            logger.info(
                "camera %s: detecting again after %d failed frame(s)",
                self.camera,
                self.stats.failed_frames,
            )
        return message

    def publish_status(self, status: str, reason: str) -> None:
        """Publish the camera going online or offline."""
        message = CameraStatus(self.device, self.camera, status, utc_now(), reason)
        self.stats.statuses += 1
        if self.transport is not None:
            self._publish(self.status_topic, message.to_json().encode())

    def _publish(self, topic: str, payload: bytes) -> bool:
        assert self.transport is not None
        try:
            self.transport.publish(topic, payload)
        except TransportError as error:
            self.stats.failed_publishes += 1
            if not self._publish_failing:
                self._publish_failing = True
                logger.error("camera %s: publishing on %s failed: %s", self.camera, topic, error)
            return False
        if self._publish_failing:
            self._publish_failing = False
            logger.info(
                "camera %s: publishing again after %d failure(s)",
                self.camera,
                self.stats.failed_publishes,
            )
        return True

    def run(
        self,
        frames: Iterable[Frame],
        stop: threading.Event | None = None,
        interval_s: float = 0.0,
        on_message: Callable[[DetectionFrame], None] | None = None,
    ) -> int:
        """Process frames until the source ends or ``stop`` is set; returns how many were published.

        With ``interval_s`` > 0 the next frame is asked for no sooner than
        ``interval_s`` after the previous one started, so a live source hands
        over its newest frame and the ones in between are skipped. ``on_message``
        sees each message built.
        """
        if not 0 <= interval_s <= MAX_INTERVAL_S:  # also refuses NaN
            raise ValueError(f"interval must be within 0..{MAX_INTERVAL_S:.0f} s, not {interval_s}")
        stop = stop or threading.Event()
        logger.info("camera %s: detecting, publishing on %s", self.camera, self.topic)
        iterator = iter(frames)
        while not stop.is_set():
            started = time.monotonic()
            frame = next(iterator, None)
            if frame is None:
                break
            message = self.try_process(frame)
            if message is not None and on_message is not None:
                on_message(message)
            if interval_s > 0:
                stop.wait(max(0.0, started + interval_s - time.monotonic()))
        logger.info(
            "camera %s: stopped after %d message(s), %d failed frame(s), %d failed publish(es)",
            self.camera,
            self.stats.published,
            self.stats.failed_frames,
            self.stats.failed_publishes,
        )
        return self.stats.published
