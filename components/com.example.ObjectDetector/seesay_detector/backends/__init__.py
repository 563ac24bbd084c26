"""Inference backends, one small module each, registered by a short key.

A backend loads one model file and runs it: ``run(tensor)`` returns the raw
outputs by name. It also says what tensors the model declares
(``input_info``, ``output_info``), so a model that does not fit its manifest
is refused at load rather than on the first frame. Turning outputs into
detections is not its job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from seesay_detector.model import ModelError, ModelSpec

DEFAULT_THREADS = 2


@dataclass(frozen=True)
class TensorInfo:
    """A tensor as the model file declares it; ``None`` marks a dimension fixed only at run time."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str

    def describe(self) -> str:
        dims = ",".join("?" if dim is None else str(dim) for dim in self.shape)
        return f"{self.name} [{dims}] {self.dtype}"


class Backend(Protocol):
    """What the detector needs from an inference runtime."""

    name: str
    input_info: TensorInfo
    output_info: list[TensorInfo]

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        """Run one batch-of-one input tensor; outputs by name, in model order."""


def _onnxruntime(spec: ModelSpec, threads: int) -> Backend:
    from seesay_detector.backends.onnxruntime import OnnxRuntimeBackend

    return OnnxRuntimeBackend(spec, threads)


def _tflite(spec: ModelSpec, threads: int) -> Backend:
    from seesay_detector.backends.tflite import TfliteBackend

    return TfliteBackend(spec, threads)


BACKENDS: dict[str, Callable[[ModelSpec, int], Backend]] = {
    "onnxruntime": _onnxruntime,
    "tflite": _tflite,
}


def open_backend(name: str, spec: ModelSpec, threads: int = DEFAULT_THREADS) -> Backend:
    """Load ``spec``'s model file for backend ``name``, running on ``threads`` CPU threads."""
    if name not in BACKENDS:
        raise ModelError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")
    return BACKENDS[name](spec, threads)
