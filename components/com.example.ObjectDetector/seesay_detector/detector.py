"""The detector: a model, a backend, a pre-processor, an output decoder and a filter.

Everything that can be wrong with a model (files that differ from their
published SHA-256, a manifest that disagrees with the model file, outputs that
fit no convention, labels a filter names but the model lacks, outputs that
cannot be decoded) is found here, at load, before the first frame.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seesay.contract import Detection
from seesay_detector.backends import DEFAULT_THREADS, open_backend
from seesay_detector.filters import DetectionFilter
from seesay_detector.model import ModelError, ModelSpec, load_model_spec, verify_checksums
from seesay_detector.outputs import open_decoder, to_detections
from seesay_detector.preprocess import Preprocessor

logger = logging.getLogger(__name__)

DEFAULT_SCORE_THRESHOLD = 0.5


@dataclass(frozen=True)
class DetectionResult:
    """One frame's detections and how long each step took, in milliseconds."""

    detections: list[Detection]
    inference_ms: float
    preprocess_ms: float = 0.0
    postprocess_ms: float = 0.0


class Detector:
    """Runs one SSD model on RGB frames."""

    def __init__(
        self,
        model_dir: str | Path,
        backend: str = "onnxruntime",
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
        filters: DetectionFilter | None = None,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        """Load ``model_dir`` for ``backend``.

        ``filters`` decides what is reported; without it, everything scoring at
        least ``score_threshold``.
        """
        self.spec: ModelSpec = load_model_spec(model_dir)
        self.backend_name = backend
        self.filters = filters or DetectionFilter(score_threshold=score_threshold)
        self.filters.check_labels(self.spec.known_labels, self.spec.name)
        mismatched = verify_checksums(self.spec, self.spec.files_for(backend))
        if mismatched:
            raise ModelError(
                f"model {self.spec.name!r}: files differ from their published SHA-256 "
                f"(origin.sha256): {', '.join(mismatched)}"
            )
        self._backend = open_backend(backend, self.spec, threads)
        self._preprocess = Preprocessor(self.spec.input, self._backend.input_info)
        self._decoder = open_decoder(
            self.spec, backend, self._backend.output_info, self._probe_outputs
        )
        self._check_decoding()
        logger.info(
            "detector ready: model %s, backend %s, %s outputs, score >= %.2f",
            self.spec.name,
            backend,
            self._decoder.convention,
            self.filters.score_threshold,
        )

    def _probe_outputs(self) -> Iterator[dict[str, np.ndarray]]:
        """Outputs for a few synthetic frames, for telling outputs apart by their values."""
        rng = np.random.default_rng(7)
        height, width = self.spec.input.height, self.spec.input.width
        gradient = np.linspace(0, 255, width, dtype=np.float32)[np.newaxis, :, np.newaxis]
        frames = [
            rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
            np.broadcast_to(gradient, (height, width, 3)).astype(np.uint8),
            np.full((height, width, 3), 128, np.uint8),
        ]
        for rgb in frames:
            tensor, _ = self._preprocess(rgb)
            yield self._backend.run(tensor)

    def _check_decoding(self) -> None:
        """Decode one probe frame, so outputs that only fail at run time fail here, once."""
        try:
            outputs = next(iter(self._probe_outputs()))
            to_detections(self._decoder.decode(outputs), self.spec)
        except Exception as error:  # any failure here is the model's, not a frame's
            raise ModelError(
                f"model {self.spec.name!r} ({self.backend_name}) fails on a test frame "
                f"({self._decoder.convention} outputs): {error}"
            ) from error

    def detect(self, rgb: np.ndarray) -> DetectionResult:
        """Detect objects in one 8-bit RGB frame."""
        started = time.perf_counter()
        tensor, placement = self._preprocess(rgb)
        preprocessed = time.perf_counter()
        outputs = self._backend.run(tensor)
        inferred = time.perf_counter()
        detections = to_detections(self._decoder.decode(outputs), self.spec, placement)
        detections = self.filters.apply(detections)
        finished = time.perf_counter()
        return DetectionResult(
            detections,
            inference_ms=(inferred - preprocessed) * 1000,
            preprocess_ms=(preprocessed - started) * 1000,
            postprocess_ms=(finished - inferred) * 1000,
        )
