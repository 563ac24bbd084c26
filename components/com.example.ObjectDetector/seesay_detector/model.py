"""A model is a folder of files plus a manifest that says how to run it.

The manifest is ``seesay-model.json`` inside the folder, or, for the models the
project knows by name, a manifest shipped in ``manifests/``. It names the
input (size, dtype, layout, channel order, normalisation, resize), the labels,
and per backend the model file and how its outputs become detections
(:mod:`seesay_detector.outputs`). :mod:`seesay_detector.manifest` checks every
key; docs/detector.md describes them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from seesay.contract import MessageError, parse_detection
from seesay_detector.manifest import (
    MANIFEST_FILE,
    BackendSection,
    InputSpec,
    ModelError,
    Origin,
    validate_manifest,
)

__all__ = [
    "MANIFEST_FILE",
    "InputSpec",
    "ModelError",
    "ModelSpec",
    "load_model_spec",
    "read_manifest",
    "read_shipped_manifest",
    "sha256_of",
    "verify_checksums",
]

logger = logging.getLogger(__name__)

UNUSED_LABEL = "???"
# A manifest or label file larger than this is not a manifest or label file.
MAX_TEXT_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class ModelSpec:
    """A model folder resolved against its manifest."""

    name: str
    folder: Path
    input: InputSpec
    labels: tuple[str, ...]
    backends: dict[str, BackendSection]
    origin: Origin = Origin()
    label_source: str | tuple[str, ...] = ()

    def backend(self, name: str) -> BackendSection:
        """The manifest section for one backend, or a ModelError naming the choices."""
        if name not in self.backends:
            choices = ", ".join(sorted(self.backends)) or "none"
            raise ModelError(f"model {self.name!r} has no {name!r} backend (it has: {choices})")
        return self.backends[name]

    def path(self, file_name: str) -> Path:
        """A regular file of the model folder, which must exist."""
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
    def usable_indices(self) -> list[int]:
        """Lines of the label list that hold a label that can be reported."""
        return [index for index in range(len(self.labels)) if self.label(index) is not None]

    @property
    def known_labels(self) -> frozenset[str]:
        """Every label this model can report."""
        return frozenset(label for label in self.labels if label not in ("", UNUSED_LABEL))

    def files_for(self, backend: str) -> list[str]:
        """The files of the folder one backend reads: model file, anchors, label file."""
        section = self.backend(backend)
        files = [section.file]
        if section.postprocess.anchors:
            files.append(section.postprocess.anchors)
        if isinstance(self.label_source, str):
            files.append(self.label_source)
        return files


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
        return _parse_manifest(read_text_file(own, "manifest"), str(own))
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


def read_text_file(path: Path, what: str) -> str:
    """A small UTF-8 text file of the model folder; a ModelError says what is wrong with it."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise ModelError(f"{what} {path} is not a regular file")
        if status.st_size > MAX_TEXT_FILE_BYTES:
            raise ModelError(f"{what} {path} is larger than {MAX_TEXT_FILE_BYTES} bytes")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ModelError(
            f"{what} {path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except OSError as error:
        raise ModelError(f"{what} {path} cannot be read: {error.strerror or error}") from error


def load_model_spec(folder: str | Path) -> ModelSpec:
    """Resolve a model folder into a ModelSpec; a manifest that does not fit is a ModelError."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist")
    where = f"manifest of {folder}"
    manifest = validate_manifest(read_manifest(folder), where)
    labels = read_labels(folder, manifest.labels)
    if not any(label not in ("", UNUSED_LABEL) for label in labels):
        raise ModelError(
            f"{where}: labels: no usable label ({len(labels)} line(s), "
            f"all '{UNUSED_LABEL}' or blank); the model could never report anything"
        )
    return ModelSpec(
        name=manifest.name or folder.name,
        folder=folder,
        input=manifest.input,
        labels=labels,
        backends=dict(manifest.backends),
        origin=manifest.origin,
        label_source=manifest.labels,
    )


def read_labels(folder: Path, labels: str | tuple[str, ...]) -> tuple[str, ...]:
    """Labels from a list in the manifest, or from a label file.

    A file name not in the folder is looked up among the label files shipped
    with the detector (``labels/``), so a model can say ``"labels": "voc.txt"``.
    """
    if isinstance(labels, tuple):
        lines = labels
    elif (folder / labels).exists():
        lines = tuple(read_text_file(folder / labels, "labels: label file").splitlines())
    else:
        shipped = resources.files("seesay_detector") / "labels" / labels
        if not shipped.is_file():
            raise ModelError(f"label file {folder / labels} does not exist")
        lines = tuple(shipped.read_text(encoding="utf-8").splitlines())
    for number, line in enumerate(lines, start=1):
        label = line.strip()
        if any(unicodedata.category(char) == "Cc" for char in label):
            raise ModelError(
                f"labels: line {number} holds control characters ({label[:20]!r}); "
                "is the label file a text file?"
            )
        if label not in ("", UNUSED_LABEL):
            try:  # a label the message contract refuses would drop every frame it is in
                parse_detection({"label": label, "score": 1.0, "box": [0, 0, 1, 1]}, 0)
            except MessageError as error:
                raise ModelError(
                    f"labels: line {number} ({label[:20]!r}) cannot be sent in a message: {error}"
                ) from error
    return tuple(line.strip() for line in lines)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(spec: ModelSpec, files: Iterable[str] | None = None) -> list[str]:
    """Files present whose SHA-256 differs from the manifest's; empty when all match.

    ``files`` limits the check to those files (the ones a backend reads);
    without it, every file the manifest publishes a SHA-256 for is checked.
    """
    wanted = None if files is None else set(files)
    mismatched = []
    for file_name, expected in spec.origin.sha256.items():
        if wanted is not None and file_name not in wanted:
            continue
        path = spec.folder / file_name
        if path.is_file() and sha256_of(path) != expected:
            mismatched.append(file_name)
    return mismatched
