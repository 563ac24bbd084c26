"""A synthetic backend: a model folder whose outputs a test writes by hand.

It goes through the real manifest loading, pre-processing check, output
mapping and decoding; only the inference is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seesay_detector import backends
from seesay_detector.backends import TensorInfo

Outputs = Callable[[np.ndarray], dict[str, np.ndarray]]


class SyntheticBackend:
    """Declares the given tensors and answers each run with ``outputs(tensor)``."""

    name = "synthetic"

    def __init__(self, input_info: TensorInfo, output_info: list[TensorInfo], outputs: Outputs):
        self.input_info = input_info
        self.output_info = output_info
        self._outputs = outputs
        self.inputs: list[np.ndarray] = []

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        self.inputs.append(tensor)
        return self._outputs(tensor)


@pytest.fixture
def synthetic_model(tmp_path, monkeypatch):
    """``make(outputs, output_info, postprocess=, input=, labels=)`` -> (folder, backend)."""

    def make(
        outputs: Outputs | dict[str, np.ndarray],
        output_info: list[TensorInfo],
        postprocess: dict[str, Any] | None = None,
        input: dict[str, Any] | None = None,
        labels: list[str] | str | None = None,
        input_info: TensorInfo | None = None,
        files: dict[str, bytes] | None = None,
    ) -> tuple[Path, SyntheticBackend]:
        folder = tmp_path / f"model{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        spec_input = input or {"width": 64, "height": 48, "dtype": "uint8"}
        manifest = {
            "name": "synthetic",
            "labels": labels if labels is not None else ["???", "person", "???", "dog"],
            "input": spec_input,
            "backends": {"synthetic": {"file": "none", "postprocess": postprocess or {}}},
        }
        (folder / "seesay-model.json").write_text(json.dumps(manifest))
        for name, data in (files or {}).items():
            (folder / name).write_bytes(data)
        answer = outputs if callable(outputs) else (lambda tensor: outputs)
        if input_info is None:
            layout = spec_input.get("layout", "NHWC")
            height, width = spec_input["height"], spec_input["width"]
            shape = (1, height, width, 3) if layout == "NHWC" else (1, 3, height, width)
            input_info = TensorInfo("image", shape, spec_input["dtype"])
        backend = SyntheticBackend(input_info, output_info, answer)
        monkeypatch.setitem(backends.BACKENDS, "synthetic", lambda spec, threads: backend)
        return folder, backend

    return make


@pytest.fixture
def four_outputs():
    """``four_outputs(boxes, classes, scores, count, order=..., names=...)`` -> (outputs, infos)."""
    return _four_outputs


def _four_outputs(
    boxes, classes, scores, count, order=("boxes", "classes", "scores", "count"), names=None
) -> tuple[dict[str, np.ndarray], list[TensorInfo]]:
    """Post-processed outputs in a chosen order under chosen (default: opaque) names."""
    values = {
        "boxes": np.asarray(boxes, np.float32).reshape(1, -1, 4),
        "classes": np.asarray(classes, np.float32).reshape(1, -1),
        "scores": np.asarray(scores, np.float32).reshape(1, -1),
        "count": np.asarray([count], np.float32),
    }
    names = names or {role: f"StatefulPartitionedCall:{i}" for i, role in enumerate(order)}
    outputs = {names[role]: values[role] for role in order}
    info = [TensorInfo(names[role], values[role].shape, "float32") for role in order]
    return outputs, info
