"""Run the ObjectDetector component: ``python -m seesay_detector [--Setting value ...]``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from seesay.component_config import load_settings
from seesay.paths import default_model_dir
from seesay.transport import TransportError, select_transport
from seesay_detector.camera import Backoff
from seesay_detector.component import DetectorComponent
from seesay_detector.detector import Detector
from seesay_detector.frames import SourceStats, one_line, path_problem
from seesay_detector.model import ModelError
from seesay_detector.settings import DetectorSettings
from seesay_detector.sources import FrameSource, open_source

logger = logging.getLogger("seesay_detector")


def source_inputs(settings: DetectorSettings) -> list[str]:
    """What the settings say to detect on: a camera, a video, one image or a folder."""
    if settings.UseCamera:
        return [settings.CameraSource]
    if settings.VideoFile:
        return [settings.VideoFile]
    folder = Path(settings.ImageDirectory or ".")
    return [str(folder / settings.ImageName) if settings.ImageName else str(folder)]


def input_problem(settings: DetectorSettings) -> str | None:
    """Why the file or folder the settings name cannot be used, naming the key; None if it can.

    A watched ImageDirectory that is not there yet is fine: it is waited for.
    """
    if settings.UseCamera:
        return None
    if settings.VideoFile:
        key, path = "VideoFile", Path(settings.VideoFile)
    elif settings.ImageName:
        key, path = "ImageName", Path(settings.ImageDirectory or ".") / settings.ImageName
    elif settings.WatchDirectory:
        return None
    else:
        key, path = "ImageDirectory", Path(settings.ImageDirectory or ".")
    problem = path_problem(path)
    return None if problem is None else f"{key} {one_line(str(path))}: {problem}"


def open_settings_source(
    settings: DetectorSettings,
    stats: SourceStats,
    stop: threading.Event,
    component: DetectorComponent,
) -> FrameSource:
    """The frame source the settings describe, reporting camera status to the component."""
    return open_source(
        source_inputs(settings),
        stats,
        stop,
        watch=settings.WatchDirectory and not settings.UseCamera and not settings.VideoFile,
        camera=settings.UseCamera,
        interval_s=settings.InferenceInterval,
        on_status=component.publish_status,
        backoff=Backoff(settings.ReconnectDelay, settings.ReconnectMaxDelay),
        frame_timeout_s=settings.CameraTimeout,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(DetectorSettings, argv, prog="seesay_detector")
    thing_name = os.environ.get("AWS_IOT_THING_NAME", "local")
    model_dir = settings.ModelDirectory or default_model_dir()
    problem = input_problem(settings)
    if problem is not None:
        logger.error("cannot start: %s", problem)
        return 1
    try:
        detector = Detector(
            model_dir,
            backend=settings.Backend,
            filters=settings.detection_filter(),
            threads=settings.InferenceThreads,
        )
        transport = select_transport(client_id=f"{thing_name}-detector")
    except (ModelError, TransportError) as error:
        logger.error("cannot start: %s", error)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    component = DetectorComponent(
        detector,
        transport,
        thing_name,
        settings.CameraId,
        topic=settings.PublishResultsOnTopic,
        status_topic=settings.PublishCameraStatusOnTopic,
    )
    stats = SourceStats()
    with transport:
        try:
            source = open_settings_source(settings, stats, stop, component)
        except ValueError as error:
            logger.error("cannot start: %s", error)
            return 1
        interval = settings.InferenceInterval if source.clock_paced else 0.0
        try:
            component.run(source.frames, stop, interval)
        except KeyboardInterrupt:
            stop.set()
    logger.info(
        "stopped: %d frames published, %d inputs skipped, %d live frames dropped",
        component.published,
        stats.skipped,
        stats.dropped,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
