"""TensorFlow Lite backend: ai-edge-litert, or tflite-runtime where a device has that."""

from __future__ import annotations

import logging

import numpy as np

from seesay_detector.backends import TensorInfo
from seesay_detector.model import ModelError, ModelSpec

logger = logging.getLogger(__name__)


def interpreter_class():
    """LiteRT's Interpreter, else tflite-runtime's; a ModelError when neither is installed."""
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


def _info(detail: dict) -> TensorInfo:
    signature = detail.get("shape_signature", detail["shape"])
    shape = tuple(None if int(dim) < 0 else int(dim) for dim in signature)
    return TensorInfo(detail["name"], shape, np.dtype(detail["dtype"]).name)


class TfliteBackend:
    """Runs a .tflite model with the LiteRT interpreter."""

    name = "tflite"

    def __init__(self, spec: ModelSpec, threads: int) -> None:
        section = spec.backend(self.name)
        path = spec.path(section.file)
        try:
            self._interpreter = interpreter_class()(model_path=str(path), num_threads=threads)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"TFLite cannot load {path}: {error}") from error
        inputs = self._interpreter.get_input_details()
        if len(inputs) != 1:
            raise ModelError(f"{path.name} has {len(inputs)} inputs; an SSD has one image input")
        self._input_index = inputs[0]["index"]
        self.input_info = _info(inputs[0])
        details = self._interpreter.get_output_details()
        self.output_info = [_info(detail) for detail in details]
        self._outputs = [(detail["name"], detail["index"]) for detail in details]
        logger.info("loaded %s with TFLite on %d thread(s)", path.name, threads)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        return {name: self._interpreter.get_tensor(index).copy() for name, index in self._outputs}
