"""Copies of frames with labelled boxes drawn on them, for people to look at."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from seesay.contract import Detection

logger = logging.getLogger(__name__)

BOX_COLOURS_BGR = [(0, 200, 255), (255, 120, 0), (60, 220, 60), (200, 60, 255), (0, 80, 255)]


def box_pixels(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, ...]:
    """A normalised ``(xmin, ymin, xmax, ymax)`` box in pixels of a ``(width, height)`` frame."""
    width, height = size
    xmin, ymin, xmax, ymax = box
    return round(xmin * width), round(ymin * height), round(xmax * width), round(ymax * height)


def draw_detections(rgb: np.ndarray, detections: Iterable[Detection]) -> np.ndarray:
    """A BGR copy of the frame with each detection's box, label and score drawn on it."""
    canvas = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    height, width = canvas.shape[:2]
    thickness = max(1, round(min(width, height) / 250))
    scale = max(0.4, min(width, height) / 800)
    labels: dict[str, int] = {}
    for detection in detections:
        colour = BOX_COLOURS_BGR[
            labels.setdefault(detection.label, len(labels)) % len(BOX_COLOURS_BGR)
        ]
        left, top, right, bottom = box_pixels(detection.box, (width, height))
        cv2.rectangle(canvas, (left, top), (right, bottom), colour, thickness)
        caption = f"{detection.label} {detection.score:.2f}"
        (text_w, text_h), baseline = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        text_top = max(0, top - text_h - baseline - 2)
        cv2.rectangle(
            canvas,
            (left, text_top),
            (left + text_w + 4, text_top + text_h + baseline + 2),
            colour,
            cv2.FILLED,
        )
        cv2.putText(
            canvas,
            caption,
            (left + 2, text_top + text_h + 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return canvas


class AnnotationWriter:
    """Writes one annotated JPEG per frame into a folder, named after the frame's source."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written = 0
        self._uses: dict[str, int] = {}

    def file_for(self, source: str) -> Path:
        """The output file for a frame source.

        ``pets.jpg`` gives ``pets.jpg``, ``v.mp4#12`` gives ``v_000012.jpg``; a
        source seen again (a camera) gets ``_1``, ``_2``... so nothing is overwritten.
        """
        name, _, index = source.rpartition("#") if "#" in source else (source, "", "")
        stem = Path(name).stem if Path(name).suffix else Path(name).name
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") or "frame"
        if index:
            stem = f"{stem}_{int(index):06d}" if index.isdigit() else f"{stem}_{index}"
        uses = self._uses.get(stem, 0)
        self._uses[stem] = uses + 1
        return self.folder / (f"{stem}_{uses}.jpg" if uses else f"{stem}.jpg")

    def write(self, rgb: np.ndarray, source: str, detections: Iterable[Detection]) -> Path:
        """Draw and write one frame; returns the file written."""
        path = self.file_for(source)
        if not cv2.imwrite(str(path), draw_detections(rgb, detections)):
            raise OSError(f"cannot write {path}")
        self.written += 1
        return path
