"""Inference backends, one small module each, registered by a short key.

A backend loads one model file and runs it: ``run(tensor)`` returns the raw
outputs by name. Turning outputs into detections is not its job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from seesay_detector.model import ModelError, ModelSpec


class Backend(Protocol):
    """What the detector needs from an inference runtime."""

    name: str

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        """Run one batch-of-one input tensor; outputs by name, in model order."""


def _onnxruntime(spec: ModelSpec) -> Backend:
    from seesay_detector.backends.onnxruntime import OnnxRuntimeBackend

    return OnnxRuntimeBackend(spec)


def _tflite(spec: ModelSpec) -> Backend:
    from seesay_detector.backends.tflite import TfliteBackend

    return TfliteBackend(spec)


BACKENDS: dict[str, Callable[[ModelSpec], Backend]] = {
    "onnxruntime": _onnxruntime,
    "tflite": _tflite,
}


def open_backend(name: str, spec: ModelSpec) -> Backend:
    """Load ``spec``'s model file for backend ``name``."""
    if name not in BACKENDS:
        raise ModelError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")
    return BACKENDS[name](spec)
