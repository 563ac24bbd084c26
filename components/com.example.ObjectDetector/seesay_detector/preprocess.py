"""Camera frames to network input tensors, and boxes back to the frame.

Frames inside the detector are always 8-bit RGB ``[H, W, 3]`` arrays: decoding
(:mod:`seesay_detector.frames`) converts whatever a file holds into that, so
the model never sees BGR, alpha or 16-bit data. A :class:`Preprocessor` is
built once per model from the manifest *and* the input the model file
declares; it refuses a manifest whose dtype or size disagrees with the model,
so a wrong dtype can never reach the runtime frame after frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from seesay_detector.backends import TensorInfo
from seesay_detector.model import InputSpec, ModelError


@dataclass(frozen=True)
class Placement:
    """Where the frame lies inside the network input, as fractions of the input.

    Stretching fills the whole input (0, 0, 1, 1); letterboxing leaves bands.
    """

    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0

    def to_frame(self, boxes_yxyx: np.ndarray) -> np.ndarray:
        """Map ``[N, 4]`` (ymin, xmin, ymax, xmax) boxes from input fractions to frame fractions."""
        if self == FULL_INPUT:
            return boxes_yxyx
        height, width = self.bottom - self.top, self.right - self.left
        offset = np.array([self.top, self.left, self.top, self.left], np.float32)
        extent = np.array([height, width, height, width], np.float32)
        return (boxes_yxyx - offset) / extent


FULL_INPUT = Placement()


class Preprocessor:
    """Turns RGB frames into the exact tensor one model wants."""

    def __init__(self, spec: InputSpec, declared: TensorInfo | None = None) -> None:
        if declared is not None:
            check_declared_input(spec, declared)
        self.spec = spec
        # mean and std are listed in the tensor's own channel order
        self._mean = np.asarray(spec.mean, np.float32)
        self._inverse_std = 1.0 / np.asarray(spec.std, np.float32)

    def __call__(self, rgb: np.ndarray) -> tuple[np.ndarray, Placement]:
        """The input tensor for one frame, and where the frame lies inside it."""
        spec = self.spec
        if spec.resize == "letterbox":
            resized, placement = letterbox(rgb, spec.width, spec.height)
        else:
            resized = cv2.resize(rgb, (spec.width, spec.height), interpolation=cv2.INTER_LINEAR)
            placement = FULL_INPUT
        if spec.channels == "BGR":
            resized = resized[:, :, ::-1]

        if spec.dtype == "uint8":
            tensor = np.ascontiguousarray(resized, dtype=np.uint8)
        else:
            tensor = (resized.astype(np.float32) - self._mean) * self._inverse_std
        if spec.layout == "NCHW":
            tensor = np.ascontiguousarray(tensor.transpose(2, 0, 1))
        return tensor[np.newaxis, ...], placement


def check_declared_input(spec: InputSpec, declared: TensorInfo) -> None:
    """Refuse a manifest whose input disagrees with what the model file declares."""
    if declared.dtype != spec.dtype:
        raise ModelError(
            f"manifest input.dtype is {spec.dtype} but the model's input "
            f"{declared.describe()} wants {declared.dtype}"
        )
    if len(declared.shape) != 4:
        raise ModelError(f"the model's input {declared.describe()} is not a 4-D image batch")
    if spec.layout == "NHWC":
        _, height, width, channels = declared.shape
    else:
        _, channels, height, width = declared.shape
    if channels not in (None, 3):
        raise ModelError(
            f"the model's input {declared.describe()} does not have 3 channels in "
            f"manifest input.layout {spec.layout}"
        )
    for key, wanted, fixed in (("height", spec.height, height), ("width", spec.width, width)):
        if fixed is not None and fixed != wanted:
            raise ModelError(
                f"manifest input.{key} is {wanted} but the model's input "
                f"{declared.describe()} has {fixed}"
            )


def letterbox(rgb: np.ndarray, width: int, height: int) -> tuple[np.ndarray, Placement]:
    """Resize keeping the aspect ratio, centred on black; returns the image and its placement."""
    scale = min(width / rgb.shape[1], height / rgb.shape[0])
    new_w = min(width, max(1, round(rgb.shape[1] * scale)))
    new_h = min(height, max(1, round(rgb.shape[0] * scale)))
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((height, width, 3), dtype=rgb.dtype)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    placement = Placement(
        left / width, top / height, (left + new_w) / width, (top + new_h) / height
    )
    return canvas, placement


def to_input_tensor(rgb: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The input tensor for one frame (without checking against a model file)."""
    tensor, _ = Preprocessor(spec)(rgb)
    return tensor
