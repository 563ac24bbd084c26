"""Run the ObjectDetector component: ``python -m seesay_detector [--Setting value ...]``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

from seesay.component_config import load_settings
from seesay.paths import default_model_dir
from seesay.transport import TransportError, select_transport
from seesay_detector.component import DetectorComponent
from seesay_detector.detector import Detector
from seesay_detector.frames import SourceStats, iter_images, iter_sources, list_images
from seesay_detector.model import ModelError
from seesay_detector.settings import DetectorSettings

logger = logging.getLogger("seesay_detector")


def _frames(settings: DetectorSettings, stats: SourceStats):
    if settings.VideoFile:
        return iter_sources([settings.VideoFile], stats)
    folder = Path(settings.ImageDirectory or ".")
    images = [folder / settings.ImageName] if settings.ImageName else list_images(folder)
    return iter_images(images, stats)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(DetectorSettings, argv, prog="seesay_detector")
    thing_name = os.environ.get("AWS_IOT_THING_NAME", "local")
    try:
        detector = Detector(
            settings.ModelDirectory or default_model_dir(),
            backend=settings.Backend,
            score_threshold=settings.ScoreThreshold,
        )
        transport = select_transport(client_id=f"{thing_name}-detector")
    except (ModelError, TransportError) as error:
        logger.error("cannot start: %s", error)
        return 1
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    component = DetectorComponent(
        detector, transport, thing_name, settings.CameraId, settings.PublishResultsOnTopic
    )
    stats = SourceStats()
    next_due = 0.0
    with transport:
        for frame in _frames(settings, stats):
            if stopping:
                break
            now = time.monotonic()
            if now < next_due:
                time.sleep(next_due - now)
            component.process(frame)
            next_due = time.monotonic() + settings.InferenceInterval
    logger.info("stopped: %d frames published, %d inputs skipped", component.published, stats.skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
