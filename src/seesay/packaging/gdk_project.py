"""A GDK project: one component folder holding gdk-config.json and recipe.yaml.

The Greengrass Development Kit CLI (GDK) reads exactly these two files from
the folder it runs in, one component per folder. This module reads them the
way GDK 1.6 does, so that ``seesay build`` and ``gdk component build`` agree
on the component's name, version, publisher and output paths. One GDK detail
matters here: GDK resolves the recipe path, so a ``recipe.yaml`` symlink is
known by its target's file name, and the built recipe is written under that
name.

The top-level gdk-config.json is not a GDK project (there is no recipe beside
it): it holds what every component of this project shares, and
:func:`disagreements` says where a component folder differs from it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

GDK_CONFIG_FILE = "gdk-config.json"
GREENGRASS_BUILD_DIR = "greengrass-build"
RECIPE_FILE_NAMES = ("recipe.json", "recipe.yaml")
COMPONENTS_DIR = "components"
NEXT_PATCH = "NEXT_PATCH"
# What every component must repeat from the top-level gdk-config.json.
SHARED_SETTINGS = ("author", "version", "publish")


class ProjectError(ValueError):
    """A component folder GDK could not use either; the text says which file and why."""


@dataclass(frozen=True)
class ComponentProject:
    """One component folder, as GDK sees it."""

    folder: Path
    name: str
    settings: dict[str, Any]
    gdk_version: str
    recipe_file: Path

    @property
    def version(self) -> str:
        """The component version; ``NEXT_PATCH`` stays literal until publish."""
        return str(self.settings.get("version", NEXT_PATCH))

    @property
    def author(self) -> str:
        """The author, which GDK writes into the recipe as ComponentPublisher."""
        return str(self.settings.get("author", ""))

    @property
    def build_config(self) -> dict[str, Any]:
        """The ``build`` section: build system, options, custom command."""
        return dict(self.settings.get("build", {}))

    @property
    def build_system(self) -> str:
        """``zip``, ``custom``, ``maven``, ``gradle`` or ``gradlew``."""
        return str(self.build_config.get("build_system", ""))

    @property
    def build_options(self) -> dict[str, Any]:
        """The zip build's ``options`` (excludes, zip_name); empty when absent."""
        return dict(self.build_config.get("options", {}))

    @property
    def custom_build_command(self) -> list[str]:
        """The custom build's command as a list of arguments."""
        command = self.build_config.get("custom_build_command", [])
        return command.split() if isinstance(command, str) else list(command)

    def greengrass_build(self) -> Path:
        """Where GDK writes this component's output: ``<folder>/greengrass-build``."""
        return self.folder / GREENGRASS_BUILD_DIR


def read_gdk_config(path: Path) -> dict[str, Any]:
    """A gdk-config.json as a dict, with one component under ``component``."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProjectError(f"cannot read {path}: {error}") from error
    components = config.get("component") if isinstance(config, dict) else None
    if not isinstance(components, dict) or len(components) != 1:
        raise ProjectError(f"{path} must name exactly one component under 'component'")
    return config


def find_recipe_file(folder: Path) -> Path:
    """The folder's recipe.json or recipe.yaml, resolved as GDK resolves it."""
    found = [folder / name for name in RECIPE_FILE_NAMES if (folder / name).exists()]
    if len(found) != 1:
        raise ProjectError(f"{folder} must hold exactly one of {', '.join(RECIPE_FILE_NAMES)}")
    return found[0].resolve()


def load_project(folder: Path) -> ComponentProject:
    """Read one component folder: its gdk-config.json and its recipe."""
    folder = folder.resolve()
    config = read_gdk_config(folder / GDK_CONFIG_FILE)
    name, settings = next(iter(config["component"].items()))
    return ComponentProject(
        folder=folder,
        name=name,
        settings=settings,
        gdk_version=str(config.get("gdk_version", "")),
        recipe_file=find_recipe_file(folder),
    )


def find_projects(project_root: Path) -> list[ComponentProject]:
    """Every component folder under ``components/``, sorted by component name."""
    folders = sorted((project_root / COMPONENTS_DIR).glob(f"*/{GDK_CONFIG_FILE}"))
    projects = [load_project(path.parent) for path in folders]
    return sorted(projects, key=lambda project: project.name)


def select_projects(project_root: Path, names: list[str]) -> list[ComponentProject]:
    """The named components (all of them when ``names`` is empty), or a ProjectError."""
    projects = find_projects(project_root)
    if not names:
        return projects
    by_name = {project.name: project for project in projects}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ProjectError(
            f"no component folder for {', '.join(unknown)} (known: {', '.join(sorted(by_name))})"
        )
    return [by_name[name] for name in names]


def project_defaults(project_root: Path) -> tuple[dict[str, Any], str]:
    """The top-level gdk-config.json: the shared settings and the gdk_version."""
    config = read_gdk_config(project_root / GDK_CONFIG_FILE)
    settings = next(iter(config["component"].values()))
    return settings, str(config.get("gdk_version", ""))


def disagreements(
    project: ComponentProject, defaults: dict[str, Any], gdk_version: str
) -> list[str]:
    """Where a component's gdk-config.json differs from the project's shared settings."""
    mine = {key: project.settings.get(key) for key in SHARED_SETTINGS}
    mine["gdk_version"] = project.gdk_version
    shared = {key: defaults.get(key) for key in SHARED_SETTINGS}
    shared["gdk_version"] = gdk_version
    return [
        f"{project.name}: {key} is {mine[key]!r}, the project says {shared[key]!r}"
        for key in mine
        if mine[key] != shared[key]
    ]
