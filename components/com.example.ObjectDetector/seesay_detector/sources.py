"""Choosing where frames come from: files, folders (optionally watched), videos, cameras, streams.

An input is a camera when it is a device index (``0``, ``camera:0``) that is
not also a file name, a stream when it is a URL OpenCV can open (RTSP, HTTP),
and otherwise a path. The inference interval is kept differently per kind:
video files skip frames by their own time line; images, folders and live
sources are paced by the clock, and a live source keeps only its newest frame.
Without an interval, files are read and decoded one or two ahead of detection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seesay_detector.camera import (
    Backoff,
    CameraSource,
    StatusHandler,
    is_stream_url,
    parse_camera_target,
)
from seesay_detector.frames import VIDEO_SUFFIXES, Frame, SourceStats, iter_sources
from seesay_detector.prefetch import read_ahead
from seesay_detector.watch import watch_folder


@dataclass
class FrameSource:
    """Frames to detect on, and whether the inference interval is kept by the clock."""

    frames: Iterator[Frame]
    clock_paced: bool
    camera: CameraSource | None = None


def is_live_input(text: str) -> bool:
    """Whether an input names a camera device or a network stream rather than a path."""
    if is_stream_url(text):
        return True
    return isinstance(parse_camera_target(text), int) and not Path(text).exists()


def open_source(
    inputs: list[str],
    stats: SourceStats,
    stop: threading.Event,
    *,
    watch: bool = False,
    camera: bool = False,
    interval_s: float = 0.0,
    on_status: StatusHandler | None = None,
    backoff: Backoff = Backoff(),
    frame_timeout_s: float = 10.0,
    poll_s: float = 1.0,
) -> FrameSource:
    """The frames of ``inputs``; a camera or stream must be the only input.

    ``camera`` makes the one input a live source even when it looks like a path
    (``/dev/video0``).
    """
    live = list(inputs) if camera else [text for text in inputs if is_live_input(text)]
    if live:
        if len(inputs) != 1:
            raise ValueError(f"a camera or stream must be the only input, not one of {inputs}")
        source = CameraSource(
            parse_camera_target(live[0]), stats, on_status, backoff, frame_timeout_s
        )
        return FrameSource(source.frames(stop), clock_paced=True, camera=source)

    videos_only = all(Path(text).suffix.lower() in VIDEO_SUFFIXES for text in inputs)
    if watch:
        if len(inputs) != 1:
            raise ValueError(f"watching needs exactly one folder, not {inputs}")
        folder = Path(inputs[0])
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"cannot watch {folder}: it is not a folder")
        # A folder that is not there yet is waited for, as one that vanishes is.
        return FrameSource(watch_folder(folder, stats, stop, poll_s), clock_paced=True)
    frames = iter_sources(list(inputs), stats, video_every_s=interval_s)
    if interval_s == 0:
        frames = read_ahead(frames)  # decode the next file while this one is detected
    return FrameSource(_until(stop, frames), clock_paced=not videos_only)


def _until(stop: threading.Event, frames: Iterator[Frame]) -> Iterator[Frame]:
    for frame in frames:
        if stop.is_set():
            return
        yield frame
