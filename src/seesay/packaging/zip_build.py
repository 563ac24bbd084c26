"""GDK's ``zip`` build system, step for step: copy the folder minus the excluded paths, zip it.

What GDK 1.6 does, and so what this module does:

- it always leaves out gdk-config.json, greengrass-build and the recipe file (by
  the name the resolved recipe path has);
- without ``build.options`` it also leaves out ``**/test*``, hidden files and
  node_modules; with options, only the ``excludes`` given there;
- every pattern is a ``glob`` relative to the folder, with ``**`` spanning
  directories; ``glob`` and ``shutil.copytree`` both follow symlinks, so a
  symlinked directory is zipped as content and patterns reach inside it;
- the zip is named after the folder, or after the component when
  ``options.zip_name`` is ``""``, or ``zip_name`` itself; its entries are the
  folder's contents, so Greengrass unpacks it to
  ``{artifacts:decompressedPath}/<zip name>/``.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
from pathlib import Path

from seesay.packaging.gdk_project import GDK_CONFIG_FILE, GREENGRASS_BUILD_DIR, ComponentProject

logger = logging.getLogger(__name__)

DEFAULT_EXCLUDES = ("**/test*", "**/.*", "**/node_modules")


def excluded_patterns(project: ComponentProject) -> list[str]:
    """The glob patterns GDK leaves out of this component's zip."""
    patterns = [GDK_CONFIG_FILE, GREENGRASS_BUILD_DIR, project.recipe_file.name]
    options = project.build_options
    patterns.extend(options.get("excludes", []) if options else DEFAULT_EXCLUDES)
    return patterns


def excluded_paths(folder: Path, patterns: list[str]) -> set[str]:
    """Every path under ``folder`` that one of the patterns matches."""
    paths: set[str] = set()
    for pattern in patterns:
        paths.update(glob.glob(f"{folder}{os.sep}{pattern}", recursive=True))
    return paths


def zip_name(project: ComponentProject) -> str:
    """The zip's file name without ``.zip``."""
    setting = project.build_options.get("zip_name")
    if setting is None:
        return project.folder.name
    return setting or project.name


def build_zip(project: ComponentProject, output_dir: Path) -> Path:
    """Zip the component folder into ``output_dir`` as GDK would; returns the zip's path."""
    folder = project.folder
    excluded = excluded_paths(folder, excluded_patterns(project))

    def leave_out(directory: str, names: list[str]) -> set[str]:
        paths = {name: str(Path(directory) / name) for name in names}
        return {
            name for name, path in paths.items() if path in excluded or path + os.sep in excluded
        }

    with tempfile.TemporaryDirectory(prefix="zip-build-") as staging:
        tree = Path(staging) / folder.name
        shutil.copytree(folder, tree, ignore=leave_out)
        archive = shutil.make_archive(str(output_dir / zip_name(project)), "zip", root_dir=tree)
    logger.info("%s: zipped %s into %s", project.name, folder, Path(archive).name)
    return Path(archive)
