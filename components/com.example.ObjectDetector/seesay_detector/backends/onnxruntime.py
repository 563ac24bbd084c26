"""ONNX Runtime backend, the default."""

from __future__ import annotations

import logging

import numpy as np
import onnxruntime

from seesay_detector.backends import TensorInfo
from seesay_detector.model import ModelError, ModelSpec

logger = logging.getLogger(__name__)

_DTYPES = {
    "tensor(uint8)": "uint8",
    "tensor(float)": "float32",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(float16)": "float16",
    "tensor(int8)": "int8",
}


def _info(arg: onnxruntime.NodeArg) -> TensorInfo:
    shape = tuple(dim if isinstance(dim, int) else None for dim in (arg.shape or ()))
    return TensorInfo(arg.name, shape, _DTYPES.get(arg.type, arg.type))


class OnnxRuntimeBackend:
    """Runs an ONNX model on the CPU with a fixed, small thread count."""

    name = "onnxruntime"

    def __init__(self, spec: ModelSpec, threads: int) -> None:
        section = spec.backend(self.name)
        path = spec.path(section.file)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Spinning worker threads keep cores busy between frames; on a small
        # device that is the time the camera grabber and the publisher need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise ModelError(f"ONNX Runtime cannot load {path}: {error}") from error
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise ModelError(f"{path.name} has {len(inputs)} inputs; an SSD has one image input")
        self.input_info = _info(inputs[0])
        self.output_info = [_info(output) for output in self._session.get_outputs()]
        self._output_names = [output.name for output in self.output_info]
        logger.info("loaded %s with ONNX Runtime on %d thread(s)", path.name, threads)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        values = self._session.run(None, {self.input_info.name: tensor})
        return dict(zip(self._output_names, values))
