"""What the recipes say: every setting, the lifecycle, the platforms and the model's files."""

from __future__ import annotations

import base64
import json
import re

import pytest

from seesay.packaging.recipes import (
    all_artifacts,
    artifact_file_name,
    default_configuration,
    dependencies,
    get_key,
    manifests,
    read_recipe,
)
from seesay_aggregator.settings import AggregatorSettings
from seesay_detector.settings import DetectorSettings

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
MODEL = "com.example.Model.SsdMobilenetV1CocoQuant"
SETTINGS = {DETECTOR: DetectorSettings, AGGREGATOR: AggregatorSettings}
MODULES = {DETECTOR: "seesay_detector", AGGREGATOR: "seesay_aggregator"}
FLAG = re.compile(r"--(\w+) '\{configuration:/(\w+)\}'")


def source_recipe(projects, name):
    return read_recipe(projects[name].recipe_file)


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_default_configuration_has_every_setting_at_its_default(projects, name):
    configuration = default_configuration(source_recipe(projects, name))
    access_control = configuration.pop("accessControl")
    assert access_control
    model = SETTINGS[name]
    assert list(configuration) == list(model.model_fields), "same settings, in the same order"
    assert model.model_validate(configuration) == model()


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_run_passes_every_setting_once_by_its_own_name(projects, name):
    for manifest in manifests(source_recipe(projects, name)):
        script = get_key(get_key(manifest, "Lifecycle"), "Run")["Script"]
        flags = FLAG.findall(script)
        assert all(flag == pointer for flag, pointer in flags)
        assert [flag for flag, _ in flags] == list(SETTINGS[name].model_fields)
        assert f"exec '{{work:path}}/venv/bin/python' -m {MODULES[name]} " in script


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_install_uses_a_venv_in_the_work_folder_once(projects, name):
    """G05: never pip install --user; install into {work:path}/venv, and only when needed."""
    for manifest in manifests(source_recipe(projects, name)):
        install = get_key(get_key(manifest, "Lifecycle"), "Install")
        script = install["Script"]
        assert "--user" not in script and "sudo" not in script
        assert "venv='{work:path}/venv'" in script
        assert 'python3 -m venv --clear "$venv"' in script
        assert '"$venv/bin/python" -m pip install' in script
        assert "requirements already installed" in script, "a marker skips a repeated install"
        assert install["Timeout"] >= 900, "pip on a small device needs more than the 120 s default"


@pytest.mark.parametrize(
    ("name", "architectures"),
    [(DETECTOR, ["amd64", "aarch64"]), (AGGREGATOR, ["amd64", "aarch64", "arm"])],
)
def test_platform_manifests_differ_only_in_platform(projects, name, architectures):
    recipe = source_recipe(projects, name)
    platforms = [get_key(manifest, "Platform") for manifest in manifests(recipe)]
    assert platforms == [{"os": "linux", "architecture": arch} for arch in architectures]

    def without_timeout(manifest):
        lifecycle = json.loads(json.dumps(get_key(manifest, "Lifecycle")))
        lifecycle["Install"].pop("Timeout")
        return get_key(manifest, "Artifacts"), lifecycle

    first, *others = manifests(recipe)
    for manifest in others:
        assert without_timeout(manifest) == without_timeout(first), get_key(manifest, "Name")


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_the_zip_is_unpacked_where_run_looks(projects, name):
    for manifest in manifests(source_recipe(projects, name)):
        (artifact,) = get_key(manifest, "Artifacts")
        assert artifact_file_name(artifact) == f"{name}.zip"
        assert artifact["Unarchive"] == "ZIP"
        lifecycle = get_key(manifest, "Lifecycle")
        unpacked = f"{{artifacts:decompressedPath}}/{name}"
        run = lifecycle["Run"]["Script"]
        assert f"unpacked='{unpacked}'" in run
        assert 'export PYTHONPATH="$unpacked${PYTHONPATH:+:$PYTHONPATH}"' in run
        assert f"requirements='{unpacked}/requirements.txt'" in lifecycle["Install"]["Script"]


def test_detector_reads_the_model_component(projects):
    detector = source_recipe(projects, DETECTOR)
    requirement = {"VersionRequirement": ">=1.0.0 <2.0.0", "DependencyType": "HARD"}
    assert dependencies(detector)[MODEL] == requirement
    assert projects[MODEL].version.startswith("1.")
    for manifest in manifests(detector):
        setenv = get_key(get_key(manifest, "Lifecycle"), "Setenv")
        assert setenv == {"SEESAY_MODEL_DIR": f"{{{MODEL}:artifacts:path}}"}
    assert default_configuration(detector)["ModelDirectory"] == ""


def test_model_digests_are_the_published_sha256(projects, checkout):
    manifest = json.loads(
        (checkout / "components" / DETECTOR / "seesay_detector" / "manifests"
         / "ssd_mobilenet_v1_coco_quant.json").read_text()
    )
    published = manifest["origin"]["sha256"]
    artifacts = list(all_artifacts(source_recipe(projects, MODEL)))
    digests = {
        artifact_file_name(artifact): artifact.get("Digest") for artifact in artifacts
    }
    backends = manifest["backends"]
    used = {manifest["labels"], backends["onnxruntime"]["file"], backends["tflite"]["file"],
            backends["onnxruntime"]["postprocess"]["anchors"]}
    assert set(digests) == used | {"seesay-model.json"}
    for file_name in used:
        assert digests[file_name] == base64.b64encode(bytes.fromhex(published[file_name])).decode()
        assert all(item["Algorithm"] == "SHA-256" for item in artifacts if "Digest" in item)
    assert all(artifact["Permission"] == {"Read": "ALL"} for artifact in artifacts)
