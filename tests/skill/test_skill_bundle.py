"""The skill's Lambda deployment package: its layout, and a handler that runs from it alone.

The package is built with ``--from-installed`` (copied from this Python's
site-packages), so no test needs the network; the pip command for the Lambda's
platform is checked as a command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from seesay.paths import project_root
from seesay.skill_bundle import (
    RUNTIME_PROVIDED,
    BundleError,
    LambdaPlatform,
    build_bundle,
    foreign_extensions,
    pip_install_command,
    shared_modules,
)

SOURCE_ROOT = project_root() / "src"
SKILL_DIR = project_root() / "cloud" / "skill" / "seesay_skill"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "skill.zip"
    build_bundle(out, from_installed=True)
    return out


@pytest.fixture(scope="module")
def unzipped(bundle: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def lambda_runtime(tmp_path_factory) -> Path:
    """What a Lambda Python runtime adds to the package: boto3 and botocore, nothing else."""
    import importlib

    folder = tmp_path_factory.mktemp("runtime")
    for name in sorted(RUNTIME_PROVIDED):
        package = Path(importlib.import_module(name).__file__).parent
        (folder / name).symlink_to(package, target_is_directory=True)
    return folder


def test_the_platform_comes_from_the_template() -> None:
    assert LambdaPlatform.from_template() == LambdaPlatform("3.12", "x86_64")


def test_an_arm_function_gets_arm_wheels(tmp_path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(textwrap.dedent("""\
        Resources:
          SkillFunction:
            Type: AWS::Lambda::Function
            Properties: {Runtime: python3.13, Architectures: [arm64]}
    """))

    found = LambdaPlatform.from_template(template)

    assert found == LambdaPlatform("3.13", "aarch64")
    assert found.pip_platforms == ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


def test_a_function_without_a_python_runtime_is_refused(tmp_path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  SkillFunction:\n    Properties: {Runtime: nodejs20.x}\n")

    with pytest.raises(BundleError, match="Runtime"):
        LambdaPlatform.from_template(template)


def test_pip_installs_exact_versions_as_wheels_for_the_lambda(tmp_path) -> None:
    command = pip_install_command(
        ["ask-sdk-core==1.19.0"], tmp_path, LambdaPlatform("3.12", "x86_64")
    )

    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    text = " ".join(command)
    for flag in ("--target " + str(tmp_path), "--no-deps", "--only-binary=:all:",
                 "--implementation cp", "--python-version 3.12",
                 "--platform manylinux2014_x86_64", "--platform manylinux_2_28_x86_64"):
        assert flag in text
    assert command[-1] == "ask-sdk-core==1.19.0"


def test_the_shared_modules_are_the_ones_the_skill_imports() -> None:
    found = {path.relative_to(SOURCE_ROOT).as_posix() for path in shared_modules(
        SKILL_DIR, SOURCE_ROOT)}

    assert found == {"seesay/__init__.py", "seesay/contract.py", "seesay/timestamps.py"}


def test_shared_modules_follow_every_form_of_import(tmp_path) -> None:
    skill = tmp_path / "skill"
    skill.mkdir()
    (skill / "a.py").write_text("from seesay import topics\n")
    (skill / "b.py").write_text("def later():\n    import seesay.localstack.endpoints\n")

    found = {path.relative_to(SOURCE_ROOT).as_posix() for path in shared_modules(
        skill, SOURCE_ROOT)}

    assert {"seesay/topics.py", "seesay/localstack/__init__.py",
            "seesay/localstack/endpoints.py", "seesay/paths.py",
            "seesay/timestamps.py"} <= found


def test_the_package_layout(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        entries = archive.infolist()
    names = {entry.filename for entry in entries}
    tops = {name.split("/")[0] for name in names}

    assert "seesay_skill/lambda_function.py" in names
    assert {"seesay/__init__.py", "seesay/contract.py", "seesay/timestamps.py"} <= names
    assert not {name for name in names if name.startswith("seesay/")} - {
        "seesay/__init__.py", "seesay/contract.py", "seesay/timestamps.py"}
    assert {"ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "requests", "six.py"} <= tops
    assert not tops & (RUNTIME_PROVIDED | {"bin", "seesay_detector", "seesay_aggregator"})
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert all(entry.date_time == (1980, 1, 1, 0, 0, 0) for entry in entries)
    assert all(entry.external_attr >> 16 == 0o644 for entry in entries)


def test_the_same_sources_give_the_same_package(bundle: Path, tmp_path) -> None:
    again = tmp_path / "skill.zip"
    build_bundle(again, from_installed=True)

    assert again.read_bytes() == bundle.read_bytes()


def test_the_handler_runs_from_the_package_alone(
    unzipped: Path, lambda_runtime: Path, moto_endpoint, make_stream, put_window, window,
    skill_id, alexa_fixtures, tmp_path,
) -> None:
    """``-I -S``: no site-packages, no project; only the package and what Lambda provides."""
    stream = make_stream(1)
    put_window(stream, window(objects={"dog": (4, 2)}))
    script = textwrap.dedent(f"""\
        import json, sys
        sys.path[:0] = [{str(unzipped)!r}, {str(lambda_runtime)!r}]
        from seesay_skill.lambda_function import lambda_handler
        answers = [
            lambda_handler(json.load(open(path)), None)["response"]["outputSpeech"]["text"]
            for path in sys.argv[1:]
        ]
        files = sorted({{getattr(module, "__file__", None) or "" for module in
                         list(sys.modules.values())}})
        print(json.dumps({{"answers": answers, "files": files}}))
    """)
    environment = {
        "SKILL_ID": skill_id, "STREAM_NAME": stream, "KINESIS_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "LOG_LEVEL": "WARNING",
    }
    requests = [str(alexa_fixtures / f"{name}.json")
                for name in ("launch_request", "what_do_you_see")]

    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, *requests],
        env=environment, capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["answers"] == [
        "Welcome to see say. Ask me what I see.", "I see two dogs, as of ten seconds ago."
    ]
    loaded = [Path(file) for file in result["files"] if file]
    outside = [file for file in loaded if not (
        file.is_relative_to(unzipped) or file.is_relative_to(lambda_runtime)
        or file.is_relative_to(Path(sys.base_prefix)))]
    assert not outside
    assert not [file for file in loaded if file.is_relative_to(project_root())]


def test_extensions_for_another_python_are_found(tmp_path) -> None:
    for name in ("fast.cpython-312-x86_64-linux-gnu.so", "stable.abi3.so",
                 "old.cpython-39-x86_64-linux-gnu.so", "arm.cpython-312-aarch64-linux-gnu.so"):
        (tmp_path / name).write_bytes(b"")

    foreign = foreign_extensions(tmp_path, LambdaPlatform("3.12", "x86_64"))

    assert [path.name for path in foreign] == [
        "arm.cpython-312-aarch64-linux-gnu.so", "old.cpython-39-x86_64-linux-gnu.so"]
