"""The local lifecycle runner: recipe variables, configuration, platforms, steps, artifacts."""

from __future__ import annotations

import shutil
import threading
import time
import zipfile

import pytest

from seesay.packaging.component_store import ComponentStore, StoreError
from seesay.packaging.interpolation import (
    ComponentPaths,
    InterpolationError,
    Scope,
    configuration_text,
    interpolate,
)
from seesay.packaging.lifecycle import (
    LifecycleError,
    PreparedComponent,
    merge_configuration,
    prepare,
    select_manifest,
)

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
MODEL = "com.example.Model.SsdMobilenetV1CocoQuant"


def scope(tmp_path, configuration=None, dependencies=None) -> Scope:
    def paths(name):
        return ComponentPaths(tmp_path / "a" / name, tmp_path / "u" / name, tmp_path / "w" / name)

    return Scope(
        name="com.example.Test",
        configuration=configuration or {},
        paths=paths("com.example.Test"),
        root=tmp_path,
        thing_name="camera-17",
        dependencies={
            name: Scope(name, {}, paths(name), tmp_path, "camera-17")
            for name in (dependencies or [])
        },
    )


def test_recipe_variables_are_replaced_like_the_nucleus_does(tmp_path):
    configuration = {"Window": 10.0, "Labels": ["cat", "dog"], "On": True, "Name": "front"}
    context = scope(tmp_path, configuration, ["com.example.Model"])
    text = (
        "{artifacts:path} {artifacts:decompressedPath} {work:path} {kernel:rootPath} "
        "{iot:thingName} {configuration:/Window} {configuration:/Labels} {configuration:/On} "
        "{configuration:/Name} {com.example.Model:artifacts:path}"
    )
    assert interpolate(text, context).split() == [
        str(tmp_path / "a" / "com.example.Test"), str(tmp_path / "u" / "com.example.Test"),
        str(tmp_path / "w" / "com.example.Test"), str(tmp_path), "camera-17",
        "10.0", '["cat","dog"]', "true", "front", str(tmp_path / "a" / "com.example.Model"),
    ]


def test_shell_parameter_expansion_is_left_to_the_shell(tmp_path):
    text = 'export PYTHONPATH="/x${PYTHONPATH:+:$PYTHONPATH}" ${HOME} ${PYTHONPATH-}'
    assert interpolate(text, scope(tmp_path)) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{configuration:/Missing}", "no configuration value"),
        ("{artifacts:nowhere}", "unknown recipe variable"),
        ("${VAR:-default}", "unknown recipe variable"),
        ("{com.example.Other:artifacts:path}", "not a dependency"),
    ],
)
def test_what_the_nucleus_would_leave_unreplaced_is_an_error(tmp_path, text, reason):
    with pytest.raises(InterpolationError, match=reason):
        interpolate(text, scope(tmp_path))


def test_configuration_values_as_text():
    assert configuration_text({"b": 1, "a": 0.6}) == '{"a":0.6,"b":1}'
    assert configuration_text([]) == "[]"
    assert configuration_text(False) == "false"
    assert configuration_text(2) == "2"


def test_a_local_configuration_merges_like_a_deployment():
    base = {"A": 1, "Nested": {"x": 1, "y": 2}, "List": [1, 2]}
    merged = merge_configuration(base, {"Nested": {"y": 3}, "List": [9], "B": "new"})
    assert merged == {"A": 1, "Nested": {"x": 1, "y": 3}, "List": [9], "B": "new"}
    assert base["Nested"] == {"x": 1, "y": 2}


def test_the_first_matching_manifest_is_chosen(build):
    recipe = build.recipe(AGGREGATOR)
    expected = [("amd64", "Linux x86_64"), ("aarch64", "Linux aarch64"), ("arm", "Linux armv7l")]
    for architecture, name in expected:
        manifest = select_manifest(recipe, {"os": "linux", "architecture": architecture})
        assert manifest["Name"] == name
    with pytest.raises(LifecycleError, match="no manifest"):
        select_manifest(build.recipe(DETECTOR), {"os": "linux", "architecture": "arm"})
    assert select_manifest(build.recipe(MODEL), {"os": "windows", "architecture": "x86"})


def prepared(tmp_path, lifecycle) -> PreparedComponent:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    environment = {"PATH": "/usr/bin:/bin"}
    return PreparedComponent("com.example.Test", "1.0.0", lifecycle, work, environment)


def test_steps_run_in_the_work_folder_with_their_setenv(tmp_path):
    component = prepared(tmp_path, {
        "Install": {
            "Script": 'pwd > where; echo "$GREETING" > greeting',
            "Setenv": {"GREETING": "hi"},
        },
        "Run": "exit 3",
    })
    assert component.run() == 3
    assert (component.work_dir / "where").read_text().strip() == str(component.work_dir)
    assert (component.work_dir / "greeting").read_text().strip() == "hi"


def test_a_failed_install_stops_before_run(tmp_path):
    component = prepared(tmp_path, {"Install": "exit 4", "Run": "touch ran"})
    assert component.run() == 4
    assert not (component.work_dir / "ran").exists()


def test_install_is_stopped_after_its_timeout(tmp_path):
    component = prepared(tmp_path, {"Install": {"Script": "sleep 30", "Timeout": 1}})
    started = time.monotonic()
    with pytest.raises(LifecycleError, match="timed out"):
        component.run_step("Install")
    assert time.monotonic() - started < 15


def test_stopping_sends_sigterm_to_run(tmp_path):
    run = "trap 'echo stopped > why; exit 0' TERM; while :; do sleep 0.1; done"
    component = prepared(tmp_path, {"Run": run})
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    assert component.run_step("Run", stop) == 0
    assert (component.work_dir / "why").read_text().strip() == "stopped"


def test_prepare_puts_artifacts_where_the_nucleus_does(build, tmp_path):
    store = ComponentStore(build.bundle / "recipes", build.bundle / "artifacts")
    component = prepare(
        store, DETECTOR, tmp_path, "camera-17", {"CameraId": "door"}, {"PATH": "/bin"}
    )
    unpacked = tmp_path / "packages" / "artifacts-unarchived" / DETECTOR / "1.0.0" / DETECTOR
    assert (unpacked / "seesay_detector" / "__main__.py").is_file()
    assert (tmp_path / "packages" / "artifacts" / DETECTOR / "1.0.0" / f"{DETECTOR}.zip").is_file()
    model = tmp_path / "packages" / "artifacts" / MODEL / "1.0.0"
    assert (model / "seesay-model.json").is_file()
    assert component.environment["SEESAY_MODEL_DIR"] == str(model)
    assert component.environment["AWS_IOT_THING_NAME"] == "camera-17"
    assert component.environment["SEESAY_TRANSPORT"] == "mqtt"
    assert component.work_dir == tmp_path / "work" / DETECTOR
    run = component.step("Run")["Script"]
    assert "--CameraId 'door'" in run and "--LabelScoreThresholds '{}'" in run
    assert ":/" not in run, "no {configuration:/...} left"


def test_an_altered_artifact_is_refused(build, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(build.bundle, bundle)
    labels = bundle / "artifacts" / MODEL / "1.0.0" / "coco_labels.txt"
    labels.write_text(labels.read_text() + "unicorn\n")
    store = ComponentStore(bundle / "recipes", bundle / "artifacts")
    with pytest.raises(StoreError, match="does not match its recipe Digest"):
        prepare(store, DETECTOR, tmp_path / "root", "camera-17", {}, {})


def test_an_unbuilt_component_is_named(build, tmp_path):
    store = ComponentStore(build.bundle / "recipes", build.bundle / "artifacts")
    with pytest.raises(LifecycleError, match="com.example.Nothing is not built"):
        prepare(store, "com.example.Nothing", tmp_path, "camera-17")


def test_zip_entries_unpack_under_the_zip_name(build, tmp_path):
    store = ComponentStore(build.bundle / "recipes", build.bundle / "artifacts")
    prepare(store, AGGREGATOR, tmp_path, "camera-17", {}, {})
    zip_path = tmp_path / "packages" / "artifacts" / AGGREGATOR / "1.0.0" / f"{AGGREGATOR}.zip"
    unpacked = tmp_path / "packages" / "artifacts-unarchived" / AGGREGATOR / "1.0.0" / AGGREGATOR
    with zipfile.ZipFile(zip_path) as archive:
        files = [name for name in archive.namelist() if not name.endswith("/")]
    assert all((unpacked / name).is_file() for name in files)
