"""A model is a folder of files plus a manifest that says how to run it.

The manifest is ``seesay-model.json`` inside the folder, or, for the models the
project knows by name, a manifest shipped in ``manifests/``. It names the
input (size, dtype, layout, channel order, normalisation, resize), the labels,
and per backend the model file and how its outputs become detections
(:mod:`seesay_detector.outputs`). docs/detector.md describes every key.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_FILE = "seesay-model.json"
UNUSED_LABEL = "???"
INPUT_DTYPES = ("uint8", "float32")
INPUT_LAYOUTS = ("NHWC", "NCHW")
CHANNEL_ORDERS = ("RGB", "BGR")
RESIZE_MODES = ("stretch", "letterbox")


class ModelError(ValueError):
    """A model folder or manifest that cannot be used; the text says why."""


@dataclass(frozen=True)
class InputSpec:
    """What the network's input tensor wants.

    ``mean`` and ``std`` apply to float inputs only: the tensor holds
    ``(pixel - mean) / std`` per channel, in the model's channel order.
    """

    width: int
    height: int
    dtype: str
    channels: str = "RGB"
    layout: str = "NHWC"
    resize: str = "stretch"
    mean: tuple[float, float, float] = (127.5, 127.5, 127.5)
    std: tuple[float, float, float] = (127.5, 127.5, 127.5)


@dataclass(frozen=True)
class ModelSpec:
    """A model folder resolved against its manifest."""

    name: str
    folder: Path
    input: InputSpec
    labels: tuple[str, ...]
    backends: dict[str, dict[str, Any]]
    origin: dict[str, Any] = field(default_factory=dict)

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
        """The label on one line of the label list; None for ``???``, blanks and out of range."""
        if 0 <= index < len(self.labels):
            label = self.labels[index]
            return None if label in ("", UNUSED_LABEL) else label
        return None

    @property
    def known_labels(self) -> frozenset[str]:
        """Every label this model can report."""
        return frozenset(label for label in self.labels if label not in ("", UNUSED_LABEL))


def shipped_manifest_names() -> list[str]:
    """Names of the models whose manifests ship with the detector."""
    folder = resources.files("seesay_detector") / "manifests"
    return sorted(
        item.name[: -len(".json")] for item in folder.iterdir() if item.name.endswith(".json")
    )


def read_shipped_manifest(name: str) -> dict[str, Any]:
    """The manifest shipped for a model name, or a ModelError listing the known names."""
    shipped = resources.files("seesay_detector") / "manifests" / f"{name}.json"
    if not shipped.is_file():
        known = ", ".join(shipped_manifest_names())
        raise ModelError(f"no shipped manifest for {name!r} (known: {known})")
    return _parse_manifest(shipped.read_text(encoding="utf-8"), f"shipped manifest {name}.json")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's own manifest, else the shipped one for a folder of that name."""
    own = folder / MANIFEST_FILE
    if own.is_file():
        return _parse_manifest(own.read_text(encoding="utf-8"), str(own))
    try:
        return read_shipped_manifest(folder.name)
    except ModelError as error:
        raise ModelError(f"no {MANIFEST_FILE} in {folder} and {error}") from error


def _parse_manifest(text: str, where: str) -> dict[str, Any]:
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

    backends = manifest.get("backends")
    if not isinstance(backends, dict) or not backends:
        raise ModelError("manifest has no 'backends' section")
    for backend, section in backends.items():
        if not isinstance(section, dict) or not isinstance(section.get("file"), str):
            raise ModelError(f"manifest backends.{backend} has no 'file'")
    return ModelSpec(
        name=str(manifest.get("name", folder.name)),
        folder=folder,
        input=parse_input(manifest.get("input")),
        labels=read_labels(folder, manifest.get("labels")),
        backends=backends,
        origin=manifest.get("origin", {}),
    )


def parse_input(section: Any) -> InputSpec:
    """The manifest's ``input`` section, each key checked and named when wrong."""
    if not isinstance(section, dict):
        raise ModelError("manifest has no 'input' section")
    known = set(InputSpec.__dataclass_fields__)
    unknown = sorted(set(section) - known)
    if unknown:
        raise ModelError(f"manifest input has unknown key(s) {unknown} (known: {sorted(known)})")
    for key in ("width", "height", "dtype"):
        if key not in section:
            raise ModelError(f"manifest input.{key} is missing")
    for key in ("width", "height"):
        value = section[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ModelError(f"manifest input.{key} must be a positive whole number, not {value!r}")
    choices = {
        "dtype": INPUT_DTYPES,
        "channels": CHANNEL_ORDERS,
        "layout": INPUT_LAYOUTS,
        "resize": RESIZE_MODES,
    }
    for key, allowed in choices.items():
        if key in section and section[key] not in allowed:
            raise ModelError(f"manifest input.{key} {section[key]!r} is not one of {allowed}")
    values = dict(section)
    for key in ("mean", "std"):
        if key in values:
            values[key] = _per_channel(values[key], key)
    if any(value == 0 for value in values.get("std", (1,))):
        raise ModelError("manifest input.std must not be 0")
    return InputSpec(**values)


def _per_channel(value: Any, key: str) -> tuple[float, float, float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value),) * 3
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value)
    ):
        return tuple(float(item) for item in value)  # type: ignore[return-value]
    raise ModelError(f"manifest input.{key} must be a number or three numbers, not {value!r}")


def read_labels(folder: Path, labels: Any) -> tuple[str, ...]:
    """Labels from a list in the manifest, or from a file in the model folder.

    A file name not in the folder is looked up among the label files shipped
    with the detector (``labels/``), so a model can say ``"labels": "voc.txt"``.
    """
    if isinstance(labels, list) and all(isinstance(label, str) for label in labels):
        return tuple(label.strip() for label in labels)
    if not isinstance(labels, str):
        raise ModelError("manifest 'labels' must be a label file name or a list of labels")
    path = folder / labels
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        shipped = resources.files("seesay_detector") / "labels" / labels
        if not shipped.is_file():
            raise ModelError(f"label file {path} does not exist")
        text = shipped.read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines())


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(spec: ModelSpec) -> list[str]:
    """Files present whose SHA-256 differs from the manifest's origin; empty when all match."""
    mismatched = []
    for file_name, expected in spec.origin.get("sha256", {}).items():
        path = spec.folder / file_name
        if path.is_file() and sha256_of(path) != expected:
            mismatched.append(file_name)
    return mismatched
