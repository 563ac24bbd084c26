"""Converting a DeepLens-era MXNet/GluonCV SSD into a model folder the detector runs.

The export itself runs in a separate Python that has mxnet (see
:mod:`seesay_detector.mxnet_export`); this side checks the result loads in
ONNX Runtime, fits the GluonCV output convention, and writes the manifest:
float32 NCHW input with ImageNet mean and std, VOC labels unless told
otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from seesay_detector.model import MANIFEST_FILE, ModelError

logger = logging.getLogger(__name__)

MXNET_PYTHON_VARIABLE = "SEESAY_MXNET_PYTHON"
EXPORT_TIMEOUT_S = 900
IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_STD = [58.395, 57.12, 57.375]
MXNET_SETUP_HINT = (
    "mxnet 1.9.1 imports on Python 3.11 only beside numpy<1.24, which this environment "
    "cannot have (the project needs numpy>=1.26, OpenCV 5 numpy>=2); make a separate one: "
    "python3.11 -m venv ~/mxnet-env && "
    "~/mxnet-env/bin/pip install mxnet==1.9.1 'numpy<1.24' onnx==1.14.1, "
    f"then pass --python ~/mxnet-env/bin/python (or set {MXNET_PYTHON_VARIABLE})"
)


class ConvertError(ModelError):
    """A conversion that could not be done; the text says why and what to do."""


def mxnet_python(given: str | None) -> str:
    """The Python to export with: ``given``, else $SEESAY_MXNET_PYTHON, else this one."""
    return given or os.environ.get(MXNET_PYTHON_VARIABLE) or sys.executable


def gluoncv_manifest(
    name: str, onnx_file: str, width: int, height: int, labels: Any
) -> dict[str, Any]:
    """The manifest of a GluonCV SSD exported to ONNX."""
    return {
        "name": name,
        "description": f"MXNet/GluonCV SSD {name}, exported to ONNX",
        "origin": {"source": "converted with 'seesay model convert'"},
        "labels": labels,
        "input": {
            "width": width,
            "height": height,
            "dtype": "float32",
            "channels": "RGB",
            "layout": "NCHW",
            "resize": "stretch",
            "mean": IMAGENET_MEAN,
            "std": IMAGENET_STD,
        },
        "backends": {
            "onnxruntime": {
                "file": onnx_file,
                "postprocess": {"type": "gluoncv", "label_offset": 0},
            }
        },
    }


def convert_mxnet(
    symbol: Path,
    params: Path,
    out_dir: Path,
    python: str | None = None,
    width: int = 512,
    height: int = 512,
    labels: str = "voc.txt",
) -> Path:
    """Export ``symbol`` and ``params`` to ``out_dir`` as a model folder; returns the folder."""
    for path in (symbol, params):
        if not path.is_file():
            raise ConvertError(f"{path} does not exist")
    interpreter = mxnet_python(python)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_file = f"{out_dir.name}.onnx"
    script = resources.files("seesay_detector") / "mxnet_export.py"
    command = [
        interpreter,
        str(script),
        "--symbol",
        str(symbol),
        "--params",
        str(params),
        "--output",
        str(out_dir / onnx_file),
        "--width",
        str(width),
        "--height",
        str(height),
    ]
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConvertError(f"cannot run {interpreter}: {error}. {MXNET_SETUP_HINT}") from error
    result = _last_json_line(finished.stdout)
    if finished.returncode != 0 or "onnx" not in result:
        why = result.get("error") or finished.stderr.strip().splitlines()[-1:] or "no output"
        hint = f" {MXNET_SETUP_HINT}" if "import mxnet" in str(why) else ""
        raise ConvertError(f"MXNet export with {interpreter} failed: {why}.{hint}")
    logger.info("exported %s with mxnet %s", onnx_file, result.get("mxnet"))

    label_file = out_dir / labels
    if not label_file.is_file():
        shipped = resources.files("seesay_detector") / "labels" / labels
        if not shipped.is_file():
            raise ConvertError(f"no label file {labels} beside the model or shipped")
        shutil.copyfile(str(shipped), label_file)
    manifest = gluoncv_manifest(out_dir.name, onnx_file, width, height, labels)
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    from seesay_detector.detector import Detector

    # Limitation: this proves the export loads and fits the GluonCV convention,
    # not that its scores match MXNet's; mx2onnx also turns GluonCV's per-class
    # box_nms into class-agnostic NMS.
    Detector(out_dir, backend="onnxruntime", score_threshold=0.0)  # refuses a misfit now
    return out_dir


def _last_json_line(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}
