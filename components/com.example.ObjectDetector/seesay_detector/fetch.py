"""Getting a known model from its public origin, and checking a model folder's files.

A shipped manifest's ``origin`` says where the model comes from: ``url`` (a
zip), ``archive_members`` (file name in the folder -> name in the zip),
``derived`` (files computed from downloaded ones, such as the anchors read out
of a .tflite file), ``not_downloadable`` (files with no public download, and
how they are made) and ``sha256`` for every file. Nothing is trusted before
its SHA-256 matches; a file that does not match is removed.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seesay_detector.manifest import validate_manifest
from seesay_detector.model import MANIFEST_FILE, ModelError, read_shipped_manifest, sha256_of

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 60.0
MAX_DOWNLOAD_BYTES = 500 * 1024 * 1024


class FetchError(ModelError):
    """A model that could not be downloaded or verified; the text says why and what to do."""


@dataclass
class FetchReport:
    """What a fetch left in the folder."""

    folder: Path
    verified: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


def download(url: str, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """The bytes at ``url`` (https, http or file), or a FetchError that says why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FetchError(
            f"cannot download {url}: the server answered {error.code} {error.reason}"
        ) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(
            f"cannot download {url}: {reason}. Without internet access, copy the model "
            "folder from a machine that has it and check it with 'seesay model verify FOLDER'"
        ) from error
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise FetchError(f"{url} is larger than {MAX_DOWNLOAD_BYTES} bytes; refusing it")
    return data


def fetch_model(name: str, dest: Path, url: str | None = None) -> FetchReport:
    """Download model ``name`` into ``dest``, verify every file, and write its manifest there."""
    manifest = read_shipped_manifest(name)
    origin: dict[str, Any] = manifest.get("origin", {})
    url = url or origin.get("url")
    if not url:
        raise FetchError(
            f"model {name!r} has no public download: {origin.get('source', 'origin unknown')}"
        )
    members: dict[str, str] = origin.get("archive_members", {})
    expected: dict[str, str] = origin.get("sha256", {})
    data = download(url)
    logger.info("downloaded %s (%d bytes)", url, len(data))

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".fetch-") as staging_name:
        staging = Path(staging_name)
        _unpack(data, url, members, staging)
        for file_name, recipe in origin.get("derived", {}).items():
            derive(staging, file_name, recipe)
        report = FetchReport(dest)
        for file_name in sorted(set(members) | set(origin.get("derived", {}))):
            check_sha256(staging / file_name, expected.get(file_name))
            shutil.move(str(staging / file_name), dest / file_name)
            report.verified.append(file_name)
    (dest / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    report.missing = {
        file_name: how
        for file_name, how in origin.get("not_downloadable", {}).items()
        if not (dest / file_name).is_file()
    }
    return report


def _unpack(data: bytes, url: str, members: dict[str, str], staging: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise FetchError(f"{url} is not a zip archive: {error}") from error
    with archive:
        names = set(archive.namelist())
        for file_name, member in members.items():
            found = (
                member
                if member in names
                else next((name for name in names if name.endswith("/" + member)), None)
            )
            if found is None:
                raise FetchError(f"{url} has no {member} (it holds {sorted(names)})")
            (staging / file_name).write_bytes(archive.read(found))


def derive(folder: Path, file_name: str, recipe: dict[str, Any]) -> None:
    """Make one derived file; today: a constant tensor of a .tflite file, dequantised, as .npy."""
    if "tflite_tensor" not in recipe:
        raise FetchError(f"do not know how to make {file_name} from {recipe}")
    from seesay_detector.backends.tflite import interpreter_class

    interpreter = interpreter_class()(model_path=str(folder / recipe["from"]))
    interpreter.allocate_tensors()
    for detail in interpreter.get_tensor_details():
        if detail["name"] == recipe["tflite_tensor"]:
            values = interpreter.get_tensor(detail["index"]).astype(np.float32)
            scale, zero_point = detail.get("quantization", (0.0, 0))
            if scale:
                values = (values - np.float32(zero_point)) * np.float32(scale)
            np.save(folder / file_name, values.astype(np.float32))
            return
    raise FetchError(f"{recipe['from']} has no tensor named {recipe['tflite_tensor']!r}")


def check_sha256(path: Path, expected: str | None) -> None:
    """Raise FetchError, removing the file, when its SHA-256 is not the published one."""
    if expected is None:
        raise FetchError(f"no published SHA-256 for {path.name}; refusing to trust it")
    actual = sha256_of(path)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise FetchError(
            f"{path.name} has SHA-256 {actual}, not the published {expected}; removed it"
        )


def verify_folder(folder: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """Each file the manifest publishes a SHA-256 for: ``ok``, ``missing`` or ``MISMATCH``.

    The manifest is checked first, so no file outside the folder is ever read.
    """
    origin = validate_manifest(manifest, f"manifest of {folder}").origin
    results = {}
    for file_name, expected in sorted(origin.sha256.items()):
        path = folder / file_name
        if not path.is_file():
            results[file_name] = "missing"
        else:
            results[file_name] = "ok" if sha256_of(path) == expected else "MISMATCH"
    return results
