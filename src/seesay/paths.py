"""Where the project, its cloud template and the shared models and photos live.

Models and photos are data, never part of the repository: by default they are
read from ``../shared`` beside the project, and ``SEESAY_SHARED``,
``SEESAY_MODEL_DIR`` and ``SEESAY_IMAGES`` point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL_NAME = "ssd_mobilenet_v1_coco_quant"


def project_root() -> Path:
    """The checkout this package runs from (src/seesay/ is two levels down)."""
    return Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared data folder: ``SEESAY_SHARED``, else ``../shared`` beside the project."""
    configured = os.environ.get("SEESAY_SHARED")
    if configured:
        return Path(configured).expanduser().resolve()
    return (project_root().parent / "shared").resolve()


def default_model_dir() -> Path:
    """The default model: ``SEESAY_MODEL_DIR``, else the shared COCO SSD."""
    configured = os.environ.get("SEESAY_MODEL_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return shared_dir() / "models" / DEFAULT_MODEL_NAME


def default_images_dir() -> Path:
    """The demo's photos: ``SEESAY_IMAGES``, else the shared photos."""
    configured = os.environ.get("SEESAY_IMAGES")
    if configured:
        return Path(configured).expanduser().resolve()
    return shared_dir() / "images"


def cloud_template() -> Path:
    """The CloudFormation template that defines the IoT rule, stream and skill."""
    configured = os.environ.get("SEESAY_TEMPLATE")
    if configured:
        return Path(configured).expanduser().resolve()
    return project_root() / "cloud" / "template.yaml"


def state_dir() -> Path:
    """Where laptop tools keep what lasts between commands: ``SEESAY_STATE_DIR``,
    else ``.seesay`` in the project folder."""
    configured = os.environ.get("SEESAY_STATE_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return project_root() / ".seesay"
