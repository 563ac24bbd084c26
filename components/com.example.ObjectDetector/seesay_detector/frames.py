"""Frames from files: decoding images, folders of images, and video files.

Every source yields :class:`Frame` objects holding 8-bit RGB pixels and the
frame's own timestamp. A file that cannot be decoded, or holds too little to
detect anything in, is logged once, counted in :class:`SourceStats`, and
skipped; it never stops the source and never turns into a fake empty frame.
Live cameras and streams are in :mod:`seesay_detector.camera`, watched
folders in :mod:`seesay_detector.watch`.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from seesay.timestamps import utc_now

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
# Below this many pixels on the shorter side an SSD has nothing to look at:
# reporting "nothing seen" for such a frame would be a guess, not a detection.
MIN_FRAME_SIDE = 16
# Decoding a larger image could exhaust a small device's memory.
MAX_FRAME_PIXELS = 50_000_000
RECENT_SKIPS_KEPT = 100


class FrameError(ValueError):
    """A frame that could not be decoded or used; the text says which and why."""


@dataclass
class Frame:
    """One decoded frame: RGB pixels ``[H, W, 3]`` uint8, where it came from, and when."""

    rgb: np.ndarray
    source: str
    timestamp: datetime

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in pixels."""
        return int(self.rgb.shape[1]), int(self.rgb.shape[0])


@dataclass
class SourceStats:
    """What a source has done so far, for logs and tests.

    ``skipped`` counts inputs that gave no frame (broken, unreadable, unusable
    files, vanished folders); ``dropped`` counts live frames replaced by a
    newer one before inference was ready for them.
    """

    frames: int = 0
    skipped: int = 0
    dropped: int = 0
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    recent_skips: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_SKIPS_KEPT))

    def skip(self, source: str, reason: str, kind: str = "unreadable") -> None:
        """Count one input that gave no frame, and log it once."""
        self.skipped += 1
        self.skipped_by_reason[kind] += 1
        self.recent_skips.append(source)
        logger.warning("skipped %s: %s", source, reason)


def decode_image(data: bytes, source: str = "image") -> np.ndarray:
    """Decode encoded image bytes to 8-bit RGB, or raise FrameError.

    OpenCV's colour decode converts grayscale, alpha and 16-bit images to
    8-bit BGR and applies EXIF orientation; the channels are then swapped to
    RGB, the order the models were trained on.
    """
    if not data:
        raise FrameError(f"{source} is empty")
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-1024:]:
        # OpenCV returns the decoded top of a truncated JPEG with grey below it;
        # treating that as a frame would report a half-seen scene.
        raise FrameError(f"{source} is a truncated JPEG (no end-of-image marker)")
    _check_declared_size(data, source)
    # Limitation: alpha is dropped, not composited; a transparent pixel keeps
    # whatever colour the file stores under it.
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.size == 0:
        raise FrameError(f"{source} is not a decodable image")
    height, width = bgr.shape[:2]
    if min(height, width) < MIN_FRAME_SIDE:
        raise FrameError(
            f"{source} is {width}x{height}: too small to detect anything in "
            f"(shorter side under {MIN_FRAME_SIDE} px)"
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _check_declared_size(data: bytes, source: str) -> None:
    """Refuse an image whose header declares more pixels than a device should decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except Exception:  # Pillow cannot read the header; OpenCV decides below
        return
    if width * height > MAX_FRAME_PIXELS:
        raise FrameError(f"{source} is {width}x{height}: more than {MAX_FRAME_PIXELS} pixels")


def read_image(path: Path) -> np.ndarray:
    """Read and decode one image file to RGB, or raise FrameError."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FrameError(f"{path} cannot be read: {error.strerror or error}") from error
    return decode_image(data, str(path))


def list_images(folder: Path) -> list[Path]:
    """Image files in a folder, sorted by name so a replay is repeatable."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    )


def iter_images(
    paths: list[Path], stats: SourceStats, clock: Callable[[], datetime] = utc_now
) -> Iterator[Frame]:
    """Frames from image files, each stamped with the time it was read."""
    for path in paths:
        try:
            rgb = read_image(path)
        except FrameError as error:
            stats.skip(str(path), str(error))
            continue
        stats.frames += 1
        yield Frame(rgb, str(path), clock())


def iter_video(
    path: Path, stats: SourceStats, start: datetime | None = None, every_s: float = 0.0
) -> Iterator[Frame]:
    """Frames of a video file, stamped with start time plus the frame's position.

    With ``every_s`` > 0 at most one frame per ``every_s`` seconds of video is
    decoded to RGB and yielded; the others are skipped, not queued.
    """
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        stats.skip(str(path), "not a readable video", kind="unreadable video")
        return
    start = start or utc_now()
    fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    index = 0
    next_due = 0.0
    try:
        while True:
            if not capture.grab():
                break
            offset = index / fps if fps > 0 else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            index += 1
            if offset + 1e-9 < next_due:
                stats.dropped += 1
                continue
            ok, bgr = capture.retrieve()
            if not ok or bgr is None:
                stats.skip(f"{path}#{index - 1}", "frame could not be decoded", kind="bad frame")
                continue
            next_due = offset + every_s
            stats.frames += 1
            yield Frame(
                cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
                f"{path}#{index - 1}",
                start + timedelta(seconds=offset),
            )
    finally:
        capture.release()
    logger.info("video %s ended after %d frames", path, index)


def video_length_s(path: Path) -> float:
    """A video file's length in seconds, from its frame count and rate (0 if unknown)."""
    capture = cv2.VideoCapture(str(path))
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
    finally:
        capture.release()
    return count / fps if fps > 0 else 0.0


def iter_sources(
    paths: list[str | Path], stats: SourceStats, video_every_s: float = 0.0
) -> Iterator[Frame]:
    """Frames from any mix of image files, folders of images and video files."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            try:
                images = list_images(path)
            except OSError as error:
                stats.skip(str(path), f"folder cannot be listed: {error.strerror or error}")
                continue
            yield from iter_images(images, stats)
        elif path.suffix.lower() in VIDEO_SUFFIXES:
            yield from iter_video(path, stats, every_s=video_every_s)
        elif path.exists():
            yield from iter_images([path], stats)
        else:
            stats.skip(str(path), "no such file or folder", kind="missing")
