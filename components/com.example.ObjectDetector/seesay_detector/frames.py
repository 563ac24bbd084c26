"""Frames from files: decoding images, folders of images, and video files.

Every source yields :class:`Frame` objects holding 8-bit RGB pixels and the
frame's own timestamp. A file that cannot be decoded, is not a regular file,
declares more pixels than a device should decode, or holds too little to
detect anything in, is logged once, counted in :class:`SourceStats`, and
skipped; it never stops the source and never turns into a fake empty frame.
Live cameras and streams are in :mod:`seesay_detector.camera`, watched
folders in :mod:`seesay_detector.watch`.
"""

from __future__ import annotations

import errno
import io
import logging
import math
import os
import re
import stat
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
MAX_IMAGE_BYTES = 200_000_000
# A video position beyond this is a broken container, not a recording.
MAX_VIDEO_OFFSET_S = 1e9
RECENT_SKIPS_KEPT = 100


class FrameError(ValueError):
    """A frame that could not be decoded or used; the text says which and why.

    ``kind`` is the reason it is counted under in :class:`SourceStats`.
    """

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


def one_line(text: str) -> str:
    """``text`` fit for one line of a log or of output: control characters escaped.

    A file name may hold a newline; printed as is, it would split one line in two.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


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

    def skip(self, source: str, reason: str, kind: str = "unreadable", log: bool = True) -> None:
        """Count one input that gave no frame, and log it (unless ``log`` is false)."""
        self.skipped += 1
        self.skipped_by_reason[kind] += 1
        self.recent_skips.append(source)
        if log:
            logger.warning("skipped %s: %s", one_line(source), one_line(reason))


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
    try:
        bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as error:
        reason = opencv_reason(error)
        if "CV_IO_MAX_IMAGE_PIXELS" in reason:
            raise FrameError(
                f"{source} declares more than {MAX_FRAME_PIXELS} pixels", kind="too large"
            ) from error
        raise FrameError(f"{source} cannot be decoded: {reason}") from error
    if bgr is None or bgr.size == 0:
        raise FrameError(f"{source} is not a decodable image")
    height, width = bgr.shape[:2]
    check_frame_size(width, height, source)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def opencv_reason(error: cv2.error) -> str:
    """What an OpenCV error says went wrong, on one line, without its source location."""
    return getattr(error, "err", None) or one_line(str(error).strip())


def check_frame_size(width: int, height: int, source: str) -> None:
    """Refuse a frame too small to detect anything in, or too large to decode safely."""
    if min(width, height) < MIN_FRAME_SIDE:
        raise FrameError(
            f"{source} is {width}x{height}: too small to detect anything in "
            f"(shorter side under {MIN_FRAME_SIDE} px)",
            kind="too small",
        )
    if width * height > MAX_FRAME_PIXELS:
        raise FrameError(
            f"{source} is {width}x{height}: more than {MAX_FRAME_PIXELS} pixels", kind="too large"
        )


def bgr_to_rgb(bgr: np.ndarray, source: str) -> np.ndarray:
    """A decoded video or camera frame (BGR, BGRA or gray; 8 or 16 bits) as 8-bit RGB."""
    if bgr.dtype == np.uint16:
        bgr = (bgr >> 8).astype(np.uint8)
    channels = 1 if bgr.ndim == 2 else bgr.shape[2] if bgr.ndim == 3 else 0
    conversions = {1: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGB}
    if bgr.dtype != np.uint8 or channels not in conversions:
        raise FrameError(
            f"{source} is a {bgr.dtype} frame of shape {list(bgr.shape)}, not an image",
            kind="bad frame",
        )
    return cv2.cvtColor(bgr, conversions[channels])


def _check_declared_size(data: bytes, source: str) -> None:
    """Refuse an image whose header declares more pixels than a device should decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except Image.DecompressionBombError as error:
        # Pillow refuses, without saying the width and height, above twice
        # its own limit (about 179 MP): far beyond ours.
        declared = re.search(r"\((\d+) pixels\)", str(error))
        amount = f"{declared.group(1)} pixels" if declared else "an image too large to open"
        raise FrameError(
            f"{source} declares {amount}: more than {MAX_FRAME_PIXELS} pixels", kind="too large"
        ) from error
    except Exception:  # Pillow cannot read the header; OpenCV decides
        return
    if width * height > MAX_FRAME_PIXELS:
        raise FrameError(
            f"{source} is {width}x{height}: more than {MAX_FRAME_PIXELS} pixels", kind="too large"
        )


def read_image(path: Path) -> np.ndarray:
    """Read and decode one regular image file to RGB, or raise FrameError."""
    data = read_regular_file(path, MAX_IMAGE_BYTES)
    try:
        return decode_image(data, str(path))
    except FrameError:
        raise
    except Exception as error:  # a decoder failing on one file must not end the source
        raise FrameError(f"{path} cannot be decoded: {type(error).__name__}: {error}") from error


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or FrameError.

    A named pipe, socket, device or folder is refused without reading it: a
    named pipe without a writer would block the source forever.
    """
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise FrameError(
                f"{path} is {file_kind(status.st_mode)}, not a regular file", kind="not a file"
            )
        # Non-blocking, in case it was swapped for a named pipe since the look above.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise FrameError(
                    f"{path} is {file_kind(status.st_mode)}, not a regular file",
                    kind="not a file",
                )
            data = stream.read(max_bytes + 1)
    except FrameError:
        raise
    except OSError as error:
        raise FrameError(f"{path} cannot be read: {path_problem(path, error)}") from error
    except ValueError as error:  # a NUL character: no file has such a name
        raise FrameError(f"{path} cannot be read: {error}", kind="missing") from error
    if len(data) > max_bytes:
        raise FrameError(f"{path} is larger than {max_bytes} bytes", kind="too large")
    return data


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((words for test, words in kinds if test(mode)), "a special file")


def path_problem(path: Path, error: OSError | None = None) -> str | None:
    """Why ``path`` cannot be looked at, in words; None when it can."""
    if error is None:
        try:
            path.stat()
            return None
        except OSError as raised:
            error = raised
        except ValueError as raised:  # a NUL character: no file has such a name
            return str(raised)
    if error.errno == errno.ELOOP:
        return "a symbolic link loop"
    if error.errno == errno.ENOENT:
        return "a broken symbolic link" if path.is_symlink() else "no such file or folder"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return error.strerror or str(error)


def list_images(folder: Path) -> list[Path]:
    """Image files in a folder, sorted by name so a replay is repeatable."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    )


def frame_from_file(
    path: Path, stats: SourceStats, clock: Callable[[], datetime] = utc_now
) -> Frame | None:
    """One image file as a frame stamped with the time it was read, or None if skipped."""
    try:
        rgb = read_image(path)
    except FrameError as error:
        stats.skip(str(path), str(error), kind=error.kind)
        return None
    stats.frames += 1
    return Frame(rgb, str(path), clock())


def iter_images(
    paths: list[Path], stats: SourceStats, clock: Callable[[], datetime] = utc_now
) -> Iterator[Frame]:
    """Frames from image files, each stamped with the time it was read."""
    for path in paths:
        frame = frame_from_file(path, stats, clock)
        if frame is not None:
            yield frame


def iter_video(
    path: Path, stats: SourceStats, start: datetime | None = None, every_s: float = 0.0
) -> Iterator[Frame]:
    """Frames of a video file, stamped with start time plus the frame's position.

    With ``every_s`` > 0 at most one frame per ``every_s`` seconds of video is
    decoded to RGB and yielded; the others are skipped, not queued. A video
    whose declared frame size is unusable is skipped whole; a frame that is
    unusable (too small, undecodable, at an impossible position) is counted
    and skipped, with one log line per video for each kind of trouble.
    """
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            stats.skip(str(path), "not a readable video", kind="unreadable video")
            return
        declared = _declared_frame_size(capture)
        if declared is not None:
            try:
                check_frame_size(*declared, str(path))
            except FrameError as error:
                stats.skip(str(path), str(error), kind=error.kind)
                return
        yield from _video_frames(capture, path, stats, start or utc_now(), every_s)
    finally:
        capture.release()


def _declared_frame_size(capture: cv2.VideoCapture) -> tuple[int, int] | None:
    width = capture.get(cv2.CAP_PROP_FRAME_WIDTH)
    height = capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        return None  # not declared: each frame is checked as it comes
    return int(width), int(height)


def _video_frames(
    capture: cv2.VideoCapture, path: Path, stats: SourceStats, start: datetime, every_s: float
) -> Iterator[Frame]:
    fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    index = 0
    next_due = 0.0
    troubles: Counter[str] = Counter()

    def skip(source: str, reason: str, kind: str) -> None:
        troubles[kind] += 1
        stats.skip(source, reason, kind=kind, log=troubles[kind] == 1)

    while True:
        try:
            if not capture.grab():
                break
        except cv2.error as error:  # the container is broken from here on
            reason = f"video cannot be read further: {opencv_reason(error)}"
            skip(f"{path}#{index}", reason, "bad frame")
            break
        offset = index / fps if fps > 0 else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
        source = f"{path}#{index}"
        index += 1
        timestamp = _frame_time(start, offset)
        if timestamp is None:
            skip(source, f"{source} has an impossible position ({offset} s)", "bad timestamp")
            continue
        if offset + 1e-9 < next_due:
            stats.dropped += 1
            continue
        try:
            ok, bgr = capture.retrieve()
        except cv2.error:
            ok, bgr = False, None
        if not ok or bgr is None:
            skip(source, "frame could not be decoded", "bad frame")
            continue
        try:
            check_frame_size(bgr.shape[1], bgr.shape[0], source)
            rgb = bgr_to_rgb(bgr, source)
        except FrameError as error:
            skip(source, str(error), error.kind)
            continue
        next_due = offset + every_s
        stats.frames += 1
        yield Frame(rgb, source, timestamp)
    skipped = ", ".join(f"{count} {kind}" for kind, count in sorted(troubles.items()))
    logger.info(
        "video %s ended after %d frames%s",
        one_line(str(path)),
        index,
        f" ({skipped} skipped)" if skipped else "",
    )


def _frame_time(start: datetime, offset_s: float) -> datetime | None:
    """``start`` plus a frame's position, or None for a position no real video has."""
    if not (math.isfinite(offset_s) and 0 <= offset_s <= MAX_VIDEO_OFFSET_S):
        return None
    try:
        return start + timedelta(seconds=offset_s)
    except OverflowError:
        return None


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
    """Frames from any mix of image files, folders of images and video files.

    Only regular files are read; anything else named is counted and skipped,
    as is a folder with no images in it.
    """
    for item in paths:
        path = Path(item)
        try:
            status = path.stat()
        except OSError as error:
            stats.skip(str(path), str(path_problem(path, error)), kind="missing")
            continue
        except ValueError as error:  # a NUL character: no file has such a name
            stats.skip(str(path), str(error), kind="missing")
            continue
        if stat.S_ISDIR(status.st_mode):
            try:
                images = list_images(path)
            except OSError as error:
                stats.skip(str(path), f"folder cannot be listed: {path_problem(path, error)}")
                continue
            if not images:
                suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
                stats.skip(str(path), f"folder has no images ({suffixes})", kind="no images")
                continue
            yield from iter_images(images, stats)
        elif not stat.S_ISREG(status.st_mode):
            kind = file_kind(status.st_mode)
            stats.skip(str(path), f"is {kind}, not a regular file", kind="not a file")
        elif path.suffix.lower() in VIDEO_SUFFIXES:
            yield from iter_video(path, stats, every_s=video_every_s)
        else:
            yield from iter_images([path], stats)
