"""A watched folder: the images in it now, then each image that appears or changes.

The folder is polled, which works the same on every file system a device may
mount. A file is read once it has not changed for ``settle_s`` (so a camera
still writing it is not mistaken for a truncated image), and again whenever it
is replaced. A folder that vanishes, or is not there yet, is reported once and
waited for. Only regular files are read: a named pipe called ``x.jpg`` is
counted and skipped, never opened.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from seesay.timestamps import utc_now
from seesay_detector.frames import (
    Frame,
    SourceStats,
    frame_from_file,
    list_images,
    one_line,
    path_problem,
)

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
    present: bool | None = None  # not looked yet
    ever_present = False
    logger.info("watching %s for images every %.1f s", one_line(str(folder)), poll_s)
    while not stop.is_set():
        try:
            images = list_images(folder)
        except OSError as error:
            if present is not False:
                problem = path_problem(folder, error)
                stats.skip(
                    str(folder),
                    f"folder vanished ({problem}); waiting for it to come back"
                    if present
                    else f"folder is not there ({problem}); waiting for it",
                    kind="vanished folder" if present else "missing",
                )
                present = False
            stop.wait(poll_s)
            continue
        if present is False:
            state = "back" if ever_present else "there now"
            logger.info("folder %s is %s", one_line(str(folder)), state)
        present = ever_present = True

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
            frame = frame_from_file(path, stats, clock)
            if frame is None:
                continue
            yield frame
            if stop.is_set():
                return
        read = current
        stop.wait(poll_s)
