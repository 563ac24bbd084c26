"""The detector: a model, a backend and an output decoder, ready for frames."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seesay.contract import Detection
from seesay_detector.backends import open_backend
from seesay_detector.model import ModelSpec, load_model_spec
from seesay_detector.outputs import OutputDecoder
from seesay_detector.preprocess import to_input_tensor

logger = logging.getLogger(__name__)

DEFAULT_SCORE_THRESHOLD = 0.5


@dataclass(frozen=True)
class DetectionResult:
    """One frame's detections and how long inference alone took."""

    detections: list[Detection]
    inference_ms: float


class Detector:
    """Runs one SSD model on RGB frames."""

    def __init__(
        self,
        model_dir: str | Path,
        backend: str = "onnxruntime",
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
    ) -> None:
        self.spec: ModelSpec = load_model_spec(model_dir)
        self.backend_name = backend
        self._backend = open_backend(backend, self.spec)
        self._decoder = OutputDecoder(self.spec, backend, score_threshold)
        logger.info(
            "detector ready: model %s, backend %s, score >= %.2f",
            self.spec.name, backend, score_threshold,
        )

    def detect(self, rgb: np.ndarray) -> DetectionResult:
        """Detect objects in one 8-bit RGB frame."""
        tensor = to_input_tensor(rgb, self.spec.input)
        started = time.perf_counter()
        outputs = self._backend.run(tensor)
        inference_ms = (time.perf_counter() - started) * 1000
        return DetectionResult(self._decoder.decode(outputs), inference_ms)
