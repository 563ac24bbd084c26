"""Built components, and their artifacts put where a nucleus puts them.

A :class:`ComponentStore` reads the two folders ``greengrass-cli deployment
create`` takes: ``--recipeDir`` (recipe files, any names) and
``--artifactDir`` (``<ComponentName>/<ComponentVersion>/<files>``). It
installs a component's artifacts under a nucleus root folder the way the
nucleus lays them out::

    <root>/packages/artifacts/<name>/<version>/<file>
    <root>/packages/artifacts-unarchived/<name>/<version>/<zip name>/...
    <root>/work/<name>/

checking each file against its recipe Digest first, as the nucleus does.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seesay.packaging.interpolation import ComponentPaths
from seesay.packaging.recipes import (
    RecipeError,
    artifact_file_name,
    check_digest,
    component_name,
    component_version,
    get_key,
    read_recipe,
)

logger = logging.getLogger(__name__)

RECIPE_SUFFIXES = (".json", ".yaml", ".yml")


class StoreError(RuntimeError):
    """A component that is not built, or whose artifacts are missing or altered."""


@dataclass(frozen=True)
class StoredComponent:
    """One built component: its recipe and where its artifacts were built."""

    name: str
    version: str
    recipe: dict[str, Any]
    artifact_dir: Path


class ComponentStore:
    """Recipes and artifacts in ``greengrass-cli``'s layout."""

    def __init__(self, recipe_dir: Path, artifact_dir: Path) -> None:
        self.recipe_dir = recipe_dir
        self.artifact_dir = artifact_dir

    def components(self) -> dict[str, StoredComponent]:
        """Every recipe in the recipe folder, by component name."""
        if not self.recipe_dir.is_dir():
            raise StoreError(f"no recipes at {self.recipe_dir}; run `seesay build` first")
        found: dict[str, StoredComponent] = {}
        for path in sorted(self.recipe_dir.iterdir()):
            if path.suffix not in RECIPE_SUFFIXES:
                continue
            try:
                recipe = read_recipe(path)
            except RecipeError as error:
                raise StoreError(str(error)) from error
            name, version = component_name(recipe), component_version(recipe)
            if name in found:
                raise StoreError(f"{self.recipe_dir} holds more than one recipe for {name}")
            found[name] = StoredComponent(name, version, recipe, self.artifact_dir / name / version)
        return found

    def get(self, name: str) -> StoredComponent:
        """The built component called ``name``."""
        components = self.components()
        if name not in components:
            known = ", ".join(sorted(components)) or "none"
            raise StoreError(f"{name} is not built in {self.recipe_dir} (built: {known})")
        return components[name]


def nucleus_paths(root: Path, name: str, version: str) -> ComponentPaths:
    """A component's artifact, unpacked-artifact and work folders under a nucleus root."""
    return ComponentPaths(
        artifacts=root / "packages" / "artifacts" / name / version,
        decompressed=root / "packages" / "artifacts-unarchived" / name / version,
        work=root / "work" / name,
    )


def install_artifacts(
    component: StoredComponent, manifest: dict[str, Any], paths: ComponentPaths
) -> None:
    """Copy a manifest's artifacts into place, checking Digests and unpacking ZIPs."""
    for folder in (paths.artifacts, paths.decompressed):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    paths.work.mkdir(parents=True, exist_ok=True)

    for artifact in get_key(manifest, "Artifacts", None) or []:
        file_name = artifact_file_name(artifact)
        source = component.artifact_dir / file_name
        if not source.is_file():
            raise StoreError(
                f"{component.name}: artifact {file_name} is not in {component.artifact_dir}"
            )
        try:
            check_digest(artifact, source)
        except RecipeError as error:
            raise StoreError(f"{component.name}: {error}") from error
        target = paths.artifacts / file_name
        shutil.copyfile(source, target)
        if str(get_key(artifact, "Unarchive", "NONE")).upper() == "ZIP":
            with zipfile.ZipFile(target) as archive:
                archive.extractall(paths.decompressed / Path(file_name).stem)
    logger.info("%s %s: artifacts in %s", component.name, component.version, paths.artifacts)
