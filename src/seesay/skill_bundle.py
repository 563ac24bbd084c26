"""The skill's Lambda deployment package, ``build/skill.zip``.

The zip holds, at its root:

- ``seesay_skill/``, the skill (``cloud/skill/seesay_skill``);
- the ``seesay`` modules the skill imports, directly or through each other
  (the message contract and timestamps), found by reading its imports;
- its dependencies: ``cloud/skill/requirements.txt`` (ask-sdk-core) and what
  they need, at the versions installed in this Python (the versions the tests
  run with), installed again by pip as wheels for the Lambda's platform. The
  Python version and architecture are read from ``SkillFunction`` in the
  template (``Runtime``, ``Architectures``); only wheels are accepted, so
  nothing is compiled on this machine.

boto3 and botocore are left out: every Lambda Python runtime provides them.

``--from-installed`` copies the dependencies from this Python's own
site-packages instead of downloading them, to build offline. The package is
then for this interpreter's version and architecture, which is said when they
differ from the template's.

Every compiled extension in the package must be built for the target Python
and architecture, or the build fails. The dependencies are pure Python except
charset-normalizer (a requests dependency), whose compiled speed-ups have
pure-Python twins.

Run ``python -m seesay.skill_bundle [--out build/skill.zip] [--from-installed]``.
"""

from __future__ import annotations

import argparse
import ast
import logging
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from seesay.cfn import load_template
from seesay.paths import cloud_template, project_root

logger = logging.getLogger(__name__)

FUNCTION_LOGICAL_ID = "SkillFunction"
HANDLER_MODULE = "seesay_skill.lambda_function"
# Distributions every Lambda Python runtime already has; never packaged.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
# Lambda's architecture names, and the machine names wheels and extensions use.
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# A fixed time for every entry, so the same sources give the same zip.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_PARTS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


class BundleError(RuntimeError):
    """The package cannot be built as asked; the text says why."""


@dataclass(frozen=True)
class LambdaPlatform:
    """The Python version (``3.12``) and machine (``x86_64``) the function runs on."""

    python_version: str
    machine: str

    @classmethod
    def from_template(cls, template: Path | None = None) -> LambdaPlatform:
        """The platform ``SkillFunction`` declares in the CloudFormation template."""
        template = template or cloud_template()
        resource = load_template(template)["Resources"].get(FUNCTION_LOGICAL_ID) or {}
        properties = resource.get("Properties") or {}
        runtime = properties.get("Runtime")
        found = re.fullmatch(r"python(\d+\.\d+)", runtime) if isinstance(runtime, str) else None
        if found is None:
            raise BundleError(f"{template}: {FUNCTION_LOGICAL_ID} has no pythonX.Y Runtime")
        architectures = properties.get("Architectures") or ["x86_64"]
        if len(architectures) != 1 or architectures[0] not in MACHINES:
            raise BundleError(f"{template}: unknown Architectures {architectures}")
        return cls(found.group(1), MACHINES[architectures[0]])

    @classmethod
    def this_interpreter(cls) -> LambdaPlatform:
        """The platform of the Python running this code."""
        return cls(f"{sys.version_info.major}.{sys.version_info.minor}", platform.machine())

    @property
    def pip_platforms(self) -> tuple[str, ...]:
        """The wheel platform tags pip may pick for this platform."""
        return (f"manylinux2014_{self.machine}", f"manylinux_2_28_{self.machine}")

    @property
    def extension_tag(self) -> str:
        """What a compiled module built for this platform has in its file name."""
        return f".cpython-{self.python_version.replace('.', '')}-{self.machine}-linux-gnu."


@dataclass(frozen=True)
class Bundle:
    """A built package: where it is, for which platform, and what went in."""

    path: Path
    platform: LambdaPlatform
    files: int
    bytes: int
    distributions: tuple[str, ...]  # "name version", as packaged


def read_requirements(path: Path) -> list[str]:
    """The requirement lines of a requirements file, without comments and blanks."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def dependency_closure(requirements: list[str]) -> list[Distribution]:
    """The installed distributions ``requirements`` need, theirs included.

    Taken from this Python's site-packages: the versions the tests run with.
    Distributions the Lambda runtime provides are left out.
    """
    from packaging.requirements import Requirement

    pending = [Requirement(line) for line in requirements]
    found: dict[str, Distribution] = {}
    while pending:
        requirement = pending.pop()
        key = canonical_name(requirement.name)
        if key in found or key in RUNTIME_PROVIDED:
            continue
        try:
            installed = distribution(requirement.name)
        except PackageNotFoundError as error:
            raise BundleError(
                f"{requirement.name} is not installed in {sys.prefix}; install the project first"
            ) from error
        if not requirement.specifier.contains(installed.version, prereleases=True):
            raise BundleError(f"{requirement.name} {installed.version} is installed, "
                              f"the skill needs {requirement}")
        found[key] = installed
        for line in installed.requires or []:
            needed = Requirement(line)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                pending.append(needed)
    return sorted(found.values(), key=lambda item: canonical_name(item.metadata["Name"]))


def pip_install_command(
    pins: list[str], target: Path, lambda_platform: LambdaPlatform
) -> list[str]:
    """The pip command that installs exactly ``pins`` into ``target`` for the function."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--no-deps", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", lambda_platform.python_version, "--no-compile",
    ]
    for tag in lambda_platform.pip_platforms:
        command += ["--platform", tag]
    return command + pins


def install_with_pip(
    distributions: list[Distribution], target: Path, lambda_platform: LambdaPlatform
) -> None:
    """Install the same versions as wheels for the function's platform."""
    pins = [f"{item.metadata['Name']}=={item.version}" for item in distributions]
    logger.info("installing %s for Python %s on %s", ", ".join(pins),
                lambda_platform.python_version, lambda_platform.machine)
    completed = subprocess.run(
        pip_install_command(pins, target, lambda_platform),
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise BundleError(f"pip could not install {' '.join(pins)}:\n{completed.stderr.strip()}")
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts are of no use in Lambda


def copy_installed(distributions: list[Distribution], target: Path) -> None:
    """Copy the distributions' files from this Python's site-packages."""
    for item in distributions:
        for file in item.files or []:
            relative = Path(str(file))
            if relative.parts[0] == ".." or _skipped(relative):
                continue  # console scripts, and caches of this interpreter
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.locate_file(file), destination)


def shared_modules(skill_dir: Path, source_root: Path) -> list[Path]:
    """The ``seesay`` source files the skill imports, directly or through each other.

    Imports inside functions count too. ``seesay/__init__.py`` is always included.
    """
    needed = {source_root / "seesay" / "__init__.py"}
    pending = sorted(skill_dir.rglob("*.py"))
    read: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in read:
            continue
        read.add(path)
        for module in _imported_modules(path):
            if module != "seesay" and not module.startswith("seesay."):
                continue
            for file in _module_files(module, source_root):
                if file not in needed:
                    needed.add(file)
                    pending.append(file)
    return sorted(needed)


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            # "from seesay import contract" imports the module seesay.contract.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def _module_files(module: str, source_root: Path) -> list[Path]:
    """The files that importing ``module`` runs: each package's __init__ and the module."""
    parts = module.split(".")
    files = []
    for depth in range(1, len(parts) + 1):
        base = source_root.joinpath(*parts[:depth])
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif depth == len(parts) and base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
    return files


def foreign_extensions(folder: Path, lambda_platform: LambdaPlatform) -> list[Path]:
    """Compiled modules in ``folder`` that are not built for ``lambda_platform``."""
    return sorted(
        path.relative_to(folder)
        for path in folder.rglob("*")
        if path.suffix in (".so", ".pyd")
        and lambda_platform.extension_tag not in path.name
        and ".abi3." not in path.name
    )


def write_zip(folder: Path, out: Path) -> tuple[int, int]:
    """Zip ``folder``'s files at the archive root, in name order, with fixed times.

    Returns the number of files and the zip's size in bytes.
    """
    files = sorted(
        path for path in folder.rglob("*")
        if path.is_file() and not _skipped(path.relative_to(folder))
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16  # readable by the Lambda runtime's user
            archive.writestr(entry, path.read_bytes())
    partial.replace(out)
    return len(files), out.stat().st_size


def build_bundle(
    out: Path,
    *,
    from_installed: bool = False,
    root: Path | None = None,
    template: Path | None = None,
) -> Bundle:
    """Build the deployment package at ``out``; see this module's description."""
    root = root or project_root()
    skill_dir = root / "cloud" / "skill" / "seesay_skill"
    source_root = root / "src"
    requirements = read_requirements(root / "cloud" / "skill" / "requirements.txt")
    declared = LambdaPlatform.from_template(template or root / "cloud" / "template.yaml")
    lambda_platform = LambdaPlatform.this_interpreter() if from_installed else declared
    if lambda_platform != declared:
        logger.warning(
            "building from this Python's packages for Python %s on %s; the template runs "
            "Python %s on %s", lambda_platform.python_version, lambda_platform.machine,
            declared.python_version, declared.machine,
        )

    with tempfile.TemporaryDirectory(prefix="seesay-skill-") as staging_name:
        staging = Path(staging_name)
        distributions = dependency_closure(requirements)
        if from_installed:
            copy_installed(distributions, staging)
        else:
            install_with_pip(distributions, staging, lambda_platform)
        _copy_tree(skill_dir, staging / "seesay_skill")
        for module in shared_modules(skill_dir, source_root):
            destination = staging / module.relative_to(source_root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(module, destination)

        foreign = foreign_extensions(staging, lambda_platform)
        if foreign:
            raise BundleError(
                f"compiled modules not built for Python {lambda_platform.python_version} on "
                f"{lambda_platform.machine}: {', '.join(map(str, foreign))}"
            )
        files, size = write_zip(staging, out)

    logger.info("wrote %s: %d files, %.1f MB", out, files, size / 1e6)
    names = tuple(f"{item.metadata['Name']} {item.version}" for item in distributions)
    return Bundle(out, lambda_platform, files, size, names)


def _copy_tree(source: Path, destination: Path) -> None:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _skipped(relative: Path) -> bool:
    return bool(SKIPPED_PARTS.intersection(relative.parts)) or relative.suffix in SKIPPED_SUFFIXES


def canonical_name(name: str) -> str:
    """A distribution name as package indexes compare them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seesay.skill_bundle", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=project_root() / "build" / "skill.zip",
                        help="zip to write (default: build/skill.zip)")
    parser.add_argument("--from-installed", action="store_true",
                        help="copy dependencies from this Python instead of running pip")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        bundle = build_bundle(args.out, from_installed=args.from_installed)
    except BundleError as error:
        print(f"skill package: {error}", file=sys.stderr)
        return 1
    print(f"{bundle.path}: {bundle.files} files, {bundle.bytes / 1e6:.1f} MB, for Python "
          f"{bundle.platform.python_version} on {bundle.platform.machine} "
          f"({', '.join(bundle.distributions)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
