"""Camera frames to network input tensors.

Frames inside the detector are always 8-bit RGB ``[H, W, 3]`` arrays: decoding
(:mod:`seesay_detector.frames`) converts whatever a file holds into that, so
the model never sees BGR, alpha or 16-bit data.
"""

from __future__ import annotations

import cv2
import numpy as np

from seesay_detector.model import InputSpec


def to_input_tensor(rgb: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Resize an RGB frame to the model's input and convert it to its dtype.

    ``stretch`` ignores aspect ratio (how the SSD models were trained);
    ``letterbox`` keeps it and pads with black.
    """
    if spec.resize == "letterbox":
        resized = _letterbox(rgb, spec.width, spec.height)
    else:
        resized = cv2.resize(rgb, (spec.width, spec.height), interpolation=cv2.INTER_LINEAR)
    if spec.channels == "BGR":
        resized = resized[:, :, ::-1]

    if spec.dtype == "uint8":
        tensor = np.ascontiguousarray(resized, dtype=np.uint8)
    else:
        tensor = (resized.astype(np.float32) - spec.mean) * spec.scale
    return tensor[np.newaxis, ...]


def _letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    scale = min(width / rgb.shape[1], height / rgb.shape[0])
    new_w, new_h = max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale))
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((height, width, 3), dtype=rgb.dtype)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas
