"""Run the LocalAggregator component: ``python -m seesay_aggregator [--Setting value ...]``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from seesay.component_config import load_settings
from seesay.transport import TransportError, select_transport
from seesay_aggregator.component import AggregatorComponent
from seesay_aggregator.settings import AggregatorSettings
from seesay_aggregator.window import TumblingWindows

logger = logging.getLogger("seesay_aggregator")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(AggregatorSettings, argv, prog="seesay_aggregator")
    thing_name = os.environ.get("AWS_IOT_THING_NAME", "local")
    windows = TumblingWindows(
        width_s=settings.WindowSeconds,
        min_count=settings.MinCount,
        allowed_lateness_s=settings.AllowedLatenessSeconds,
        min_score=settings.MinScore,
        max_future_s=settings.MaxFutureSeconds,
    )
    try:
        transport = select_transport(client_id=f"{thing_name}-aggregator")
    except TransportError as error:
        logger.error("cannot start: %s", error)
        return 1
    component = AggregatorComponent(
        transport,
        windows,
        thing_name,
        detections_topic=settings.DetectionsTopic,
        idle_close_s=settings.IdleCloseSeconds or None,
        state_file=Path(settings.StateFile) if settings.StateFile else None,
        outbox_limit=settings.OutboxLimit,
        status_topic=settings.CameraStatusTopic,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with transport:
        component.start()
        stop.wait()
        component.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
