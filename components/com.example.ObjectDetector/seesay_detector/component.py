"""The running ObjectDetector: frames in, one detection message per frame out."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from seesay.contract import DetectionFrame
from seesay.topics import DETECTIONS_TOPIC
from seesay.transport import Transport
from seesay_detector.detector import Detector
from seesay_detector.frames import Frame

logger = logging.getLogger(__name__)


class DetectorComponent:
    """Detects objects in each frame and publishes the result on local pub/sub."""

    def __init__(
        self,
        detector: Detector,
        transport: Transport | None,
        device: str,
        camera: str,
        topic: str = DETECTIONS_TOPIC,
    ) -> None:
        self.detector = detector
        self.transport = transport
        self.device = device
        self.camera = camera
        self.topic = topic
        self.published = 0

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
        if self.transport is not None:
            self.transport.publish(self.topic, message.to_json().encode())
            self.published += 1
        return message

    def run(self, frames: Iterable[Frame]) -> int:
        """Process every frame of a source; returns how many were published."""
        logger.info("camera %s: detecting, publishing on %s", self.camera, self.topic)
        for frame in frames:
            self.process(frame)
        logger.info("camera %s: source ended after %d frames", self.camera, self.published)
        return self.published
