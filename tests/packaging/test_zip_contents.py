"""What goes to a device: the component's code, the shared code it imports, its requirements.

Nothing else: no tests, no caches, no laptop-only parts of the shared package
(the local stack, the demo, the command line, this packaging code).
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import zipfile
from pathlib import PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
PACKAGES = {DETECTOR: "seesay_detector", AGGREGATOR: "seesay_aggregator"}
# Imported only when Backend is tflite; see the detector's requirements.txt.
OPTIONAL_IMPORTS = {"ai_edge_litert", "tflite_runtime"}


def zip_files(build, name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(build.components[name].artifacts[0]) as archive:
        return {item: archive.read(item) for item in archive.namelist() if not item.endswith("/")}


def imported_modules(source: bytes) -> set[str]:
    """Every absolute module a Python file imports, at any depth (lazy imports too)."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def module_file(files: dict[str, bytes], module: str) -> str | None:
    """The zip entry that defines ``module``, if the zip has one."""
    path = module.replace(".", "/")
    for candidate in (f"{path}.py", f"{path}/__init__.py"):
        if candidate in files:
            return candidate
    return None


def entry_point_closure(files: dict[str, bytes], package: str) -> set[str]:
    """The zip entries ``python -m <package>`` can import, following imports transitively."""
    local = {PurePosixPath(entry).parts[0] for entry in files}
    needed = {f"{package}/__init__.py", f"{package}/__main__.py"}
    pending = list(needed)
    while pending:
        for module in imported_modules(files[pending.pop()]):
            parts = module.split(".")
            if parts[0] not in local:
                continue
            for depth in range(1, len(parts) + 1):
                entry = module_file(files, ".".join(parts[:depth]))
                if entry and entry not in needed:
                    needed.add(entry)
                    pending.append(entry)
    return needed


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_zip_holds_no_tests_caches_or_project_files(build, name):
    for entry in zip_files(build, name):
        parts = PurePosixPath(entry).parts
        assert "__pycache__" not in parts, entry
        assert not entry.endswith((".pyc", ".pyo")), entry
        assert not any(part.startswith(("test", ".")) for part in parts), entry
        assert entry not in ("gdk-config.json", "recipe.yaml"), entry
        assert parts[0] != "greengrass-build", entry


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_zip_holds_the_component_package_and_requirements(build, projects, name):
    files = zip_files(build, name)
    package = projects[name].folder / PACKAGES[name]
    on_disk = {
        str(path.relative_to(projects[name].folder))
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    # Only the laptop tools gdk-config.json names one by one are left out.
    assert on_disk - set(files) <= set(projects[name].build_options["excludes"])
    assert files["requirements.txt"] == (projects[name].folder / "requirements.txt").read_bytes()


def test_laptop_only_shared_code_stays_on_the_laptop(build):
    for name in (DETECTOR, AGGREGATOR):
        files = zip_files(build, name)
        for laptop_only in ("localstack/", "packaging/", "cli.py", "demo.py", "scene.py"):
            assert not [entry for entry in files if entry.startswith(f"seesay/{laptop_only}")]


def test_zip_holds_everything_the_entry_point_imports(build):
    closures = {}
    for name, package in PACKAGES.items():
        files = zip_files(build, name)
        closures[name] = entry_point_closure(files, package)
        unresolved = {
            module for entry in closures[name] for module in imported_modules(files[entry])
            if module.split(".")[0] in ("seesay", package) and module_file(files, module) is None
            and module_file(files, module.rsplit(".", 1)[0]) is None
        }
        assert not unresolved, f"{name} imports {unresolved}, which its zip lacks"


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_shared_modules_are_exactly_those_the_component_imports(build, name):
    """The folder's seesay/ is an allow-list of symlinks; it must match what the code imports."""
    files = zip_files(build, name)
    closure = entry_point_closure(files, PACKAGES[name])
    needed = {entry for entry in closure if entry.startswith("seesay/")}
    shipped = {entry for entry in files if entry.startswith("seesay/")}
    assert shipped == needed, (
        f"{name}: link the missing shared modules into its seesay/ folder, drop the unused ones"
    )


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_requirements_cover_every_third_party_import(build, name):
    files = zip_files(build, name)
    requirements = {
        canonicalize_name(Requirement(line).name)
        for line in files["requirements.txt"].decode().splitlines()
        if line.strip() and not line.startswith("#")
    }
    local = {PurePosixPath(entry).parts[0] for entry in files}
    top_level = {
        module.split(".")[0]
        for entry, source in files.items() if entry.endswith(".py")
        for module in imported_modules(source)
    }
    third_party = top_level - local - set(sys.stdlib_module_names) - OPTIONAL_IMPORTS
    distributions = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        provided_by = {canonicalize_name(dist) for dist in distributions.get(module, [])}
        assert provided_by & requirements, f"{name} imports {module}: add {provided_by}"
