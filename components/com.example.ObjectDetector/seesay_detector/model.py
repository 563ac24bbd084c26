"""A model is a folder of files plus a manifest that says how to run it.

The manifest is ``seesay-model.json`` inside the folder, or, for the models the
project knows by name, a manifest shipped in ``manifests/``. It names the
input (size, dtype, channel order, resize), the label file, and per backend
the model file and how its outputs become detections.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_FILE = "seesay-model.json"
UNUSED_LABEL = "???"


class ModelError(ValueError):
    """A model folder or manifest that cannot be used; the text says why."""


@dataclass(frozen=True)
class InputSpec:
    """What the network's input tensor wants."""

    width: int
    height: int
    dtype: str
    channels: str = "RGB"
    resize: str = "stretch"
    mean: float = 127.5
    scale: float = 1 / 127.5


@dataclass(frozen=True)
class ModelSpec:
    """A model folder resolved against its manifest."""

    name: str
    folder: Path
    input: InputSpec
    labels: tuple[str, ...]
    backends: dict[str, dict[str, Any]]
    origin: dict[str, Any]

    def backend(self, name: str) -> dict[str, Any]:
        """The manifest section for one backend, or a ModelError naming the choices."""
        if name not in self.backends:
            choices = ", ".join(sorted(self.backends)) or "none"
            raise ModelError(f"model {self.name!r} has no {name!r} backend (it has: {choices})")
        return self.backends[name]

    def path(self, file_name: str) -> Path:
        """A file of the model folder, which must exist."""
        path = self.folder / file_name
        if not path.is_file():
            raise ModelError(f"model {self.name!r} is missing {file_name} in {self.folder}")
        return path

    def label(self, index: int) -> str | None:
        """The label for a label-file line, or None for unused ids and out-of-range."""
        if 0 <= index < len(self.labels):
            label = self.labels[index]
            return None if label in ("", UNUSED_LABEL) else label
        return None


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's own manifest, else the shipped one for a folder of that name."""
    own = folder / MANIFEST_FILE
    if own.is_file():
        text = own.read_text(encoding="utf-8")
        where = str(own)
    else:
        shipped = resources.files("seesay_detector") / "manifests" / f"{folder.name}.json"
        if not shipped.is_file():
            raise ModelError(
                f"no {MANIFEST_FILE} in {folder} and no shipped manifest for {folder.name!r}"
            )
        text = shipped.read_text(encoding="utf-8")
        where = f"shipped manifest {folder.name}.json"
    try:
        manifest = json.loads(text)
    except ValueError as error:
        raise ModelError(f"{where} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ModelError(f"{where} is not a JSON object")
    return manifest


def load_model_spec(folder: str | Path) -> ModelSpec:
    """Resolve a model folder into a ModelSpec, checking what the manifest needs."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist")
    manifest = read_manifest(folder)

    section = manifest.get("input")
    if not isinstance(section, dict):
        raise ModelError("manifest has no 'input' section")
    try:
        spec_input = InputSpec(**section)
    except TypeError as error:
        raise ModelError(f"manifest 'input' section: {error}") from error
    if spec_input.dtype not in ("uint8", "float32"):
        raise ModelError(f"manifest input.dtype {spec_input.dtype!r} is not uint8 or float32")

    labels_file = manifest.get("labels")
    if not isinstance(labels_file, str):
        raise ModelError("manifest has no 'labels' file name")
    labels_path = folder / labels_file
    if not labels_path.is_file():
        raise ModelError(f"label file {labels_path} does not exist")
    labels = tuple(line.strip() for line in labels_path.read_text(encoding="utf-8").splitlines())

    backends = manifest.get("backends")
    if not isinstance(backends, dict) or not backends:
        raise ModelError("manifest has no 'backends' section")
    return ModelSpec(
        name=str(manifest.get("name", folder.name)),
        folder=folder,
        input=spec_input,
        labels=labels,
        backends=backends,
        origin=manifest.get("origin", {}),
    )


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(spec: ModelSpec) -> list[str]:
    """Files whose SHA-256 differs from the manifest's origin; empty when all match."""
    mismatched = []
    for file_name, expected in spec.origin.get("sha256", {}).items():
        path = spec.folder / file_name
        if path.is_file() and sha256_of(path) != expected:
            mismatched.append(file_name)
    return mismatched
