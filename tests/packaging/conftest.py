"""Fixtures for the Greengrass packaging tests: one build of every component, in a temp folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from seesay.packaging.build import BuiltComponent, build_project
from seesay.packaging.gdk_project import ComponentProject, find_projects
from seesay.packaging.recipes import read_recipe
from seesay.paths import project_root

@dataclass(frozen=True)
class Build:
    """Where a test build went: each component's GDK output, and the gathered bundle."""

    root: Path
    bundle: Path
    components: dict[str, BuiltComponent]

    def recipe(self, name: str) -> dict:
        """A component's built recipe."""
        return read_recipe(self.components[name].recipe_path)


@pytest.fixture(scope="module")
def checkout() -> Path:
    return project_root()


@pytest.fixture(scope="module")
def projects(checkout: Path) -> dict[str, ComponentProject]:
    return {project.name: project for project in find_projects(checkout)}


@pytest.fixture(scope="module")
def build(checkout: Path, shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Every component built once, outside the checkout."""
    root = tmp_path_factory.mktemp("build")
    bundle = root / "greengrass-build"
    built = build_project(checkout, bundle_dir=bundle, build_root=root / "components")
    return Build(root, bundle, {component.name: component for component in built})
