"""ONNX Runtime backend, the default."""

from __future__ import annotations

import logging
import os

import numpy as np
import onnxruntime

from seesay_detector.model import ModelError, ModelSpec

logger = logging.getLogger(__name__)


class OnnxRuntimeBackend:
    """Runs an ONNX model on the CPU with a fixed, small thread count."""

    name = "onnxruntime"

    def __init__(self, spec: ModelSpec) -> None:
        section = spec.backend(self.name)
        path = spec.path(section["file"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("SEESAY_THREADS", "2"))
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise ModelError(f"ONNX Runtime cannot load {path}: {error}") from error
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise ModelError(f"{path.name} has {len(inputs)} inputs; an SSD has one image input")
        self._input_name = inputs[0].name
        self._output_names = [output.name for output in self._session.get_outputs()]
        logger.info("loaded %s with ONNX Runtime", path.name)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        values = self._session.run(None, {self._input_name: tensor})
        return dict(zip(self._output_names, values))
