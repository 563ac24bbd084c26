"""A watched folder: the images in it now, then each image that appears or changes.

The folder is polled, which works the same on every file system a device may
mount. A file is read once it has not changed for ``settle_s`` (so a camera
still writing it is not mistaken for a truncated image), and again whenever it
is replaced. A folder that vanishes is reported once and waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from seesay.timestamps import utc_now
from seesay_detector.frames import Frame, FrameError, SourceStats, list_images, read_image

logger = logging.getLogger(__name__)


def watch_folder(
    folder: Path,
    stats: SourceStats,
    stop: threading.Event,
    poll_s: float = 1.0,
    settle_s: float = 0.5,
    clock: Callable[[], datetime] = utc_now,
) -> Iterator[Frame]:
    """Frames from ``folder``'s images, old and new, until ``stop`` is set."""
    read: dict[str, tuple[int, int]] = {}
    present = True
    logger.info("watching %s for images every %.1f s", folder, poll_s)
    while not stop.is_set():
        try:
            images = list_images(folder)
        except OSError as error:
            if present:
                present = False
                stats.skip(
                    str(folder),
                    f"folder vanished ({error.strerror or error}); waiting for it to come back",
                    kind="vanished folder",
                )
            stop.wait(poll_s)
            continue
        if not present:
            present = True
            logger.info("folder %s is back", folder)

        current: dict[str, tuple[int, int]] = {}
        for path in images:
            try:
                status = path.stat()
            except OSError:
                continue  # gone between listing and looking; nothing was promised yet
            version = (status.st_mtime_ns, status.st_size)
            if read.get(path.name) == version:
                current[path.name] = version
                continue
            if time.time() - status.st_mtime < settle_s:
                continue  # still being written: look again next poll
            current[path.name] = version
            try:
                rgb = read_image(path)
            except FrameError as error:
                stats.skip(str(path), str(error))
                continue
            stats.frames += 1
            yield Frame(rgb, str(path), clock())
            if stop.is_set():
                return
        read = current
        stop.wait(poll_s)
