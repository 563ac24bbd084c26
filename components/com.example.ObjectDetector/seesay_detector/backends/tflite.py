"""TensorFlow Lite backend: ai-edge-litert, or tflite-runtime where a device has that."""

from __future__ import annotations

import logging
import os

import numpy as np

from seesay_detector.model import ModelError, ModelSpec

logger = logging.getLogger(__name__)


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError as error:
            raise ModelError(
                "the tflite backend needs ai-edge-litert (pip install 'seesay[tflite]') "
                "or tflite-runtime"
            ) from error
    return Interpreter


class TfliteBackend:
    """Runs a .tflite model with the LiteRT interpreter."""

    name = "tflite"

    def __init__(self, spec: ModelSpec) -> None:
        section = spec.backend(self.name)
        path = spec.path(section["file"])
        interpreter_class = _interpreter_class()
        try:
            self._interpreter = interpreter_class(
                model_path=str(path), num_threads=int(os.environ.get("SEESAY_THREADS", "2"))
            )
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"TFLite cannot load {path}: {error}") from error
        self._input_index = self._interpreter.get_input_details()[0]["index"]
        self._outputs = [
            (detail["name"], detail["index"]) for detail in self._interpreter.get_output_details()
        ]
        logger.info("loaded %s with TFLite", path.name)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        return {name: self._interpreter.get_tensor(index).copy() for name, index in self._outputs}
