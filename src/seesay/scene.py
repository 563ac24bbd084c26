"""A replayed scene: photos held in front of the camera, with scene timestamps.

Each photo is "held" for ``hold_s`` seconds of scene time at ``fps`` frames a
second, and every frame carries its own timestamp. Nothing sleeps, so a
minute of scene runs as fast as the detector can go while the windows still
see real event times.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from seesay_detector.frames import Frame, FrameError, SourceStats, list_images, read_image

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shot:
    """One photo held for a while: its frames and when they start."""

    photo: Path
    start: datetime
    frames: list[Frame]


def plan_scene(
    photos: list[Path], start: datetime, hold_s: float, fps: float, stats: SourceStats
) -> list[Shot]:
    """Decode each photo once and lay out its frames one after another."""
    if hold_s <= 0 or fps <= 0:
        raise ValueError("hold time and frame rate must be positive")
    step = timedelta(seconds=1 / fps)
    frames_per_photo = max(1, round(hold_s * fps))
    shots = []
    moment = start
    for photo in photos:
        try:
            rgb = read_image(photo)
        except FrameError as error:
            stats.skip(str(photo), str(error))
            continue
        shot_start = moment
        frames = []
        for _ in range(frames_per_photo):
            frames.append(Frame(rgb, photo.name, moment))
            moment += step
        stats.frames += len(frames)
        shots.append(Shot(photo, shot_start, frames))
    return shots


def scene_photos(paths: list[Path]) -> list[Path]:
    """The photos named, with folders expanded to their images in name order."""
    photos: list[Path] = []
    for path in paths:
        photos.extend(list_images(path) if path.is_dir() else [path])
    return photos


def iter_scene(shots: list[Shot]) -> Iterator[Frame]:
    """Every frame of the scene in time order."""
    for shot in shots:
        yield from shot.frames
