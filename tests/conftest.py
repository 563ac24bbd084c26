"""Fixtures shared by the whole suite: the shared models and photos, and the local stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from seesay.paths import default_model_dir, shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    folder = shared_dir()
    if not (folder / "models").is_dir():
        pytest.fail(f"shared models and photos not found at {folder}; set SEESAY_SHARED")
    return folder


@pytest.fixture(scope="session")
def images(shared: Path) -> Path:
    return shared / "images"


@pytest.fixture(scope="session")
def model_dir(shared: Path) -> Path:
    return default_model_dir()


@pytest.fixture(scope="session")
def onnx_detector(model_dir: Path):
    from seesay_detector.detector import Detector

    return Detector(model_dir, backend="onnxruntime")


@pytest.fixture(scope="session")
def tflite_detector(model_dir: Path):
    from seesay_detector.detector import Detector

    return Detector(model_dir, backend="tflite")


@pytest.fixture(scope="module")
def local_stack():
    from seesay.localstack.stack import LocalStack

    with LocalStack() as stack:
        yield stack
