"""Greengrass component recipes as files: reading, writing, and the fields packaging needs.

Recipe keys are case-insensitive to Greengrass and to GDK (``URI`` and ``Uri``
are the same key). GDK edits a recipe without renaming or moving the keys it
finds, appends the ones it adds, and writes YAML with ``yaml.safe_dump(...,
sort_keys=False)`` or JSON indented by four; :func:`set_key` and
:func:`write_recipe` do the same, so a recipe built here is byte-for-byte the
one GDK writes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

# GDK's cap on a recipe file, checked before anything else.
MAX_RECIPE_BYTES = 16_000
# The URI prefix GDK writes for an artifact it built; publish fills in the three names.
BUILD_URI_PREFIX = "s3://BUCKET_NAME/COMPONENT_NAME/COMPONENT_VERSION"
DIGEST_ALGORITHM = "SHA-256"


class RecipeError(ValueError):
    """A recipe that cannot be read or used; the text names the file or field."""


def read_recipe(path: Path) -> dict[str, Any]:
    """A recipe file (``.json``, ``.yaml`` or ``.yml``) as a dict."""
    if path.suffix not in (".json", ".yaml", ".yml"):
        raise RecipeError(f"{path}: a recipe must be a .json or .yaml file")
    try:
        text = path.read_text(encoding="utf-8")
        recipe = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise RecipeError(f"cannot read recipe {path}: {error}") from error
    if not isinstance(recipe, dict):
        raise RecipeError(f"{path}: a recipe must be a mapping")
    return recipe


def write_recipe(recipe: dict[str, Any], path: Path) -> None:
    """Write a recipe exactly as GDK writes its build and publish recipes."""
    with path.open("w", encoding="utf-8") as stream:
        if path.suffix == ".json":
            stream.write(json.dumps(recipe, indent=4))
        else:
            yaml.safe_dump(recipe, stream, sort_keys=False)


def find_key(mapping: dict[str, Any], key: str) -> str | None:
    """The spelling ``key`` has in ``mapping``, compared case-insensitively."""
    wanted = key.lower()
    return next((existing for existing in mapping if existing.lower() == wanted), None)


def get_key(mapping: dict[str, Any], key: str, default: Any = None) -> Any:
    """``mapping[key]`` with the key compared case-insensitively."""
    existing = find_key(mapping, key)
    return default if existing is None else mapping[existing]


def set_key(mapping: dict[str, Any], key: str, value: Any) -> None:
    """Set a value in place, keeping an existing key's spelling and position."""
    mapping[find_key(mapping, key) or key] = value


def component_name(recipe: dict[str, Any]) -> str:
    """The recipe's ComponentName."""
    return str(get_key(recipe, "ComponentName", ""))


def component_version(recipe: dict[str, Any]) -> str:
    """The recipe's ComponentVersion."""
    return str(get_key(recipe, "ComponentVersion", ""))


def manifests(recipe: dict[str, Any]) -> list[dict[str, Any]]:
    """The recipe's Manifests, one per platform."""
    return list(get_key(recipe, "Manifests", None) or [])


def artifacts(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """A manifest's Artifacts."""
    return list(get_key(manifest, "Artifacts", None) or [])


def all_artifacts(recipe: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every artifact of every manifest, in recipe order."""
    for manifest in manifests(recipe):
        yield from artifacts(manifest)


def artifact_file_name(artifact: dict[str, Any]) -> str:
    """The file an artifact URI names: its last path segment, as GDK and the nucleus take it."""
    uri = get_key(artifact, "URI")
    if not isinstance(uri, str) or not uri:
        raise RecipeError(f"artifact {artifact!r} has no URI")
    return PurePosixPath(uri).name


def default_configuration(recipe: dict[str, Any]) -> dict[str, Any]:
    """ComponentConfiguration.DefaultConfiguration, or an empty dict."""
    configuration = get_key(recipe, "ComponentConfiguration", None) or {}
    return dict(get_key(configuration, "DefaultConfiguration", None) or {})


def dependencies(recipe: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ComponentDependencies: component name to VersionRequirement and DependencyType."""
    return dict(get_key(recipe, "ComponentDependencies", None) or {})


def file_digest(path: Path) -> str:
    """A file's SHA-256 as Greengrass writes a recipe Digest: base64 of the raw hash."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def check_digest(artifact: dict[str, Any], path: Path) -> None:
    """Refuse a file whose SHA-256 differs from the artifact's Digest (when it has one)."""
    expected = get_key(artifact, "Digest")
    if expected is None:
        return
    algorithm = str(get_key(artifact, "Algorithm", DIGEST_ALGORITHM))
    if algorithm.upper() != DIGEST_ALGORITHM:
        raise RecipeError(f"{path.name}: digest algorithm {algorithm!r} is not {DIGEST_ALGORITHM}")
    actual = file_digest(path)
    if actual != expected:
        raise RecipeError(
            f"{path} does not match its recipe Digest (SHA-256 {actual}, recipe says {expected})"
        )
