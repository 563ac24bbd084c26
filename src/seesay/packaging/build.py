"""``seesay build``: what ``gdk component build`` writes, produced without GDK.

For each component folder it writes exactly GDK 1.6's output there::

    <folder>/greengrass-build/recipes/<recipe file name>
    <folder>/greengrass-build/artifacts/<ComponentName>/<ComponentVersion>/<artifacts>

with ComponentName, ComponentVersion and ComponentPublisher taken from the
folder's gdk-config.json and, for a zip build, the zip's URI rewritten to
``s3://BUCKET_NAME/COMPONENT_NAME/COMPONENT_VERSION/<zip>`` (publish fills those
in). Then it gathers every component into the project's own greengrass-build/,
the layout ``greengrass-cli deployment create --recipeDir --artifactDir`` and
``seesay run-component`` read::

    greengrass-build/recipes/<ComponentName>-<ComponentVersion>.yaml
    greengrass-build/artifacts/<ComponentName>/<ComponentVersion>/<artifacts>

Two build systems are supported: GDK's ``zip`` (see :mod:`zip_build`) and a
``custom`` build whose command is ``seesay build <ComponentName>`` (this
module). The custom build copies each artifact the recipe names from the
component folder or, failing that, from the model folder; a file from the
model folder must carry a Digest in the recipe, and any file whose SHA-256
differs from its Digest is refused.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seesay.packaging import deployment
from seesay.packaging.gdk_project import (
    GREENGRASS_BUILD_DIR,
    ComponentProject,
    ProjectError,
    disagreements,
    project_defaults,
    read_gdk_config,
    select_projects,
)
from seesay.packaging.recipes import (
    BUILD_URI_PREFIX,
    MAX_RECIPE_BYTES,
    RecipeError,
    all_artifacts,
    artifact_file_name,
    check_digest,
    component_name,
    get_key,
    read_recipe,
    set_key,
    write_recipe,
)
from seesay.packaging.schemas import SchemaError, validate_gdk_config, validate_recipe
from seesay.packaging.zip_build import build_zip
from seesay.paths import default_model_dir

logger = logging.getLogger(__name__)

OWN_BUILD_COMMAND = ["seesay", "build"]


class BuildError(RuntimeError):
    """A component that cannot be built; the text says which and why."""


@dataclass(frozen=True)
class BuiltComponent:
    """One component's GDK output."""

    name: str
    version: str
    recipe_path: Path
    artifact_dir: Path

    @property
    def artifacts(self) -> list[Path]:
        """The artifact files, sorted by name."""
        return sorted(self.artifact_dir.iterdir())


def build_component(
    project: ComponentProject, build_dir: Path | None = None, model_dir: Path | None = None
) -> BuiltComponent:
    """Write one component's greengrass-build/ (by default inside its folder, as GDK does)."""
    build_dir = build_dir or project.greengrass_build()
    recipes_dir = build_dir / "recipes"
    artifact_dir = build_dir / "artifacts" / project.name / project.version
    shutil.rmtree(build_dir, ignore_errors=True)
    recipes_dir.mkdir(parents=True)
    artifact_dir.mkdir(parents=True)

    recipe = _checked_recipe(project)
    if project.build_system == "zip":
        _zip_artifacts(project, recipe, artifact_dir)
    elif _is_own_custom_build(project):
        _file_artifacts(project, recipe, artifact_dir, model_dir or default_model_dir())
    else:
        raise BuildError(
            f"{project.name}: build system {project.build_system!r} "
            f"({' '.join(project.custom_build_command)}) needs GDK itself"
        )

    set_key(recipe, "ComponentName", project.name)
    set_key(recipe, "ComponentVersion", project.version)
    set_key(recipe, "ComponentPublisher", project.author)
    recipe_path = recipes_dir / project.recipe_file.name
    write_recipe(recipe, recipe_path)
    built = BuiltComponent(project.name, project.version, recipe_path, artifact_dir)
    logger.info(
        "built %s %s: %s with %d artifact(s)",
        project.name, project.version, recipe_path, len(built.artifacts),
    )
    return built


def _checked_recipe(project: ComponentProject) -> dict[str, Any]:
    """The source recipe, refused where GDK would refuse it."""
    size = project.recipe_file.stat().st_size
    if size > MAX_RECIPE_BYTES:
        raise BuildError(f"{project.recipe_file} is {size} bytes; GDK allows {MAX_RECIPE_BYTES}")
    try:
        recipe = read_recipe(project.recipe_file)
        validate_recipe(recipe, str(project.recipe_file))
    except (RecipeError, SchemaError) as error:
        raise BuildError(str(error)) from error
    return recipe


def _s3_artifacts(recipe: dict[str, Any]) -> list[dict[str, Any]]:
    """The artifacts GDK looks for (it leaves other URI schemes, such as docker:, alone)."""
    return [
        artifact for artifact in all_artifacts(recipe)
        if str(get_key(artifact, "URI", "")).startswith("s3://")
    ]


def _zip_artifacts(project: ComponentProject, recipe: dict[str, Any], artifact_dir: Path) -> None:
    """Zip the folder, copy each artifact the recipe names from the zip build, fix its URI."""
    with tempfile.TemporaryDirectory(prefix="zip-build-") as zip_build:
        zip_build_dir = Path(zip_build)
        build_zip(project, zip_build_dir)
        for artifact in _s3_artifacts(recipe):
            file_name = artifact_file_name(artifact)
            built = zip_build_dir / file_name
            if not built.is_file():
                # GDK would look the URI up in S3 next; a local build has nowhere else to look.
                raise BuildError(
                    f"{project.name}: could not find artifact {get_key(artifact, 'URI')!r} "
                    f"inside the build folder (the zip build made {_listing(zip_build_dir)})"
                )
            shutil.copy(built, artifact_dir)
            set_key(artifact, "URI", f"{BUILD_URI_PREFIX}/{file_name}")


def _listing(folder: Path) -> str:
    return ", ".join(sorted(path.name for path in folder.iterdir() if path.is_file())) or "nothing"


def _is_own_custom_build(project: ComponentProject) -> bool:
    command = project.custom_build_command
    return project.build_system == "custom" and command == [*OWN_BUILD_COMMAND, project.name]


def _file_artifacts(
    project: ComponentProject, recipe: dict[str, Any], artifact_dir: Path, model_dir: Path
) -> None:
    """Copy each artifact from the component folder or the model folder, checking Digests."""
    for artifact in _s3_artifacts(recipe):
        file_name = artifact_file_name(artifact)
        source = project.folder / file_name
        if not source.is_file():
            source = model_dir / file_name
            if get_key(artifact, "Digest") is None:
                raise BuildError(
                    f"{project.name}: {file_name} is not in {project.folder}, and a file taken "
                    f"from the model folder needs a Digest in the recipe"
                )
        if not source.is_file():
            raise BuildError(
                f"{project.name}: {file_name} is in neither {project.folder} nor {model_dir}"
            )
        try:
            check_digest(artifact, source)
        except RecipeError as error:
            raise BuildError(f"{project.name}: {error}") from error
        shutil.copy(source, artifact_dir / file_name)


def gather(built: list[BuiltComponent], bundle_dir: Path) -> None:
    """Copy built components into one recipes/ and artifacts/ pair, replacing older builds."""
    recipes_dir = bundle_dir / "recipes"
    artifacts_root = bundle_dir / "artifacts"
    recipes_dir.mkdir(parents=True, exist_ok=True)
    artifacts_root.mkdir(parents=True, exist_ok=True)
    names = {component.name for component in built}
    for existing in recipes_dir.iterdir():
        try:
            stale = component_name(read_recipe(existing)) in names
        except RecipeError:
            stale = False
        if stale:
            existing.unlink()
    for component in built:
        shutil.rmtree(artifacts_root / component.name, ignore_errors=True)
        suffix = component.recipe_path.suffix
        shutil.copyfile(
            component.recipe_path, recipes_dir / f"{component.name}-{component.version}{suffix}"
        )
        shutil.copytree(component.artifact_dir, artifacts_root / component.name / component.version)


def build_project(
    project_root: Path,
    names: list[str] | None = None,
    bundle_dir: Path | None = None,
    build_root: Path | None = None,
    model_dir: Path | None = None,
) -> list[BuiltComponent]:
    """Build the named components (all by default) and gather them into ``bundle_dir``.

    Args:
        project_root: the checkout, holding components/, recipes/ and deploy/.
        names: component names; empty or None means every component folder.
        bundle_dir: the gathered output; default ``<project_root>/greengrass-build``.
        build_root: when given, each component's GDK output goes to
            ``<build_root>/<folder name>/greengrass-build`` instead of its own folder.
        model_dir: where model files come from; default :func:`default_model_dir`.
    """
    try:
        projects = select_projects(project_root, list(names or []))
        defaults, gdk_version = project_defaults(project_root)
        for project in projects:
            validate_gdk_config(read_gdk_config(project.folder / "gdk-config.json"), project.name)
    except (ProjectError, SchemaError) as error:
        raise BuildError(str(error)) from error
    problems = [
        line for project in projects for line in disagreements(project, defaults, gdk_version)
    ]
    if problems:
        raise BuildError(
            "component settings differ from the top-level gdk-config.json: " + "; ".join(problems)
        )

    built = [
        build_component(
            project,
            build_root / project.folder.name / GREENGRASS_BUILD_DIR if build_root else None,
            model_dir,
        )
        for project in projects
    ]
    bundle_dir = bundle_dir or project_root / GREENGRASS_BUILD_DIR
    gather(built, bundle_dir)
    deployment.write_deployments(project_root, bundle_dir)
    return built
