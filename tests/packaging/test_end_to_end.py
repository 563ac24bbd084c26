"""End to end through `seesay run-component`: the built recipes, run as a nucleus runs them.

Both components are started from their built recipes by ``seesay run-component``
(Install creates each component's virtual environment, Run starts it), talk
over the local stack's MQTT broker, and the IoT rule bridge puts the window
summary on the local Kinesis stream. Install runs offline with
``--reuse-site-packages``: pip checks requirements.txt against the packages
already installed here instead of downloading them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from seesay.localstack.stack import LocalStack
from seesay.packaging.component_store import ComponentStore
from seesay.packaging.lifecycle import prepare, reuse_site_packages
from seesay.topics import windows_topic

pytestmark = pytest.mark.slow

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
THING = "e2e-camera-device"
PHOTOS = {"pets.jpg": "dog", "grace_hopper.bmp": "person"}


class ProcessOutput:
    """Collects a process's output lines on a thread, so a test can wait for one."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout_s: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.has(text), timeout_s)

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def start_component(name: str, build_dir: Path, root: Path, config: dict, env: dict):
    config_file = root.parent / f"{name}.json"
    config_file.write_text(json.dumps(config))
    command = [
        sys.executable, "-m", "seesay.cli", "run-component", name,
        "--config", str(config_file), "--thing-name", THING, "--work-dir", str(root),
        "--build-dir", str(build_dir), "--reuse-site-packages",
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, ProcessOutput(process)


def read_summaries(stack, until_labels: set[str], timeout_s: float) -> list[dict]:
    """Window summaries from every shard, until they name ``until_labels`` or time runs out."""
    client = stack.kinesis.client()
    shards = client.list_shards(StreamName=stack.stream_name)["Shards"]
    iterators = {
        shard["ShardId"]: client.get_shard_iterator(
            StreamName=stack.stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for shard in shards
    }
    summaries: list[dict] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for shard, iterator in list(iterators.items()):
            page = client.get_records(ShardIterator=iterator)
            iterators[shard] = page["NextShardIterator"]
            summaries.extend(json.loads(record["Data"]) for record in page["Records"])
        seen = {item["objectName"] for summary in summaries for item in summary["objects"]}
        if until_labels <= seen:
            break
        time.sleep(0.2)
    return summaries


@dataclass
class PipelineRun:
    summaries: list[dict]
    root: Path
    detector_output: str
    aggregator_output: str
    aggregator_code: int | None
    environment: dict


@pytest.fixture(scope="module")
def local_stack():
    """A stack of this module's own: moto keeps streams per process, so the name is unique."""
    with LocalStack(stream_name=f"seesay-windows-{uuid.uuid4().hex[:8]}") as stack:
        yield stack


@pytest.fixture(scope="module")
def pipeline(build, local_stack, images, tmp_path_factory) -> PipelineRun:
    folder = tmp_path_factory.mktemp("e2e")
    photos = folder / "photos"
    photos.mkdir()
    for photo in PHOTOS:
        shutil.copy(images / photo, photos / photo)
    root = folder / "greengrass"
    environment = {**os.environ, **local_stack.environment()}

    aggregator, aggregator_output = start_component(
        AGGREGATOR, build.bundle, root,
        {"WindowSeconds": 60, "MinCount": 1, "IdleCloseSeconds": 1.0}, environment,
    )
    try:
        subscribed = aggregator_output.wait_for("aggregating seesay/detections", 60)
        assert subscribed, f"the aggregator did not start:\n{aggregator_output.text}"
        detector, detector_output = start_component(
            DETECTOR, build.bundle, root,
            {"ImageDirectory": str(photos), "CameraId": "e2e"}, environment,
        )
        assert detector.wait(60) == 0, f"the detector failed:\n{detector_output.text}"
        summaries = read_summaries(local_stack, set(PHOTOS.values()), timeout_s=20)
    finally:
        aggregator.send_signal(signal.SIGTERM)
        try:
            aggregator.wait(20)
        except subprocess.TimeoutExpired:
            aggregator.kill()
            aggregator.wait()
    return PipelineRun(
        summaries, root, detector_output.text, aggregator_output.text, aggregator.returncode,
        environment,
    )


def test_photos_become_a_window_summary_on_the_stream(pipeline):
    assert pipeline.summaries, f"no summary reached Kinesis:\n{pipeline.aggregator_output}"
    seen = {item["objectName"] for summary in pipeline.summaries for item in summary["objects"]}
    assert set(PHOTOS.values()) <= seen
    for summary in pipeline.summaries:
        assert summary["device"] == THING
        assert summary["camera"] == "e2e"
    assert sum(summary["frames"] for summary in pipeline.summaries) == len(PHOTOS)


def test_both_components_ran_their_recipe_lifecycle(pipeline):
    outputs = {DETECTOR: pipeline.detector_output, AGGREGATOR: pipeline.aggregator_output}
    for name, output in outputs.items():
        assert f"{name} 1.0.0: Install exited with 0" in output, output
        assert "Requirement already satisfied" in output, "Install ran pip against requirements.txt"
        assert (pipeline.root / "work" / name / "venv" / ".seesay-requirements").is_file()
    assert "transport: MQTT" in pipeline.detector_output
    assert f"publishing to {windows_topic(THING)}" in pipeline.aggregator_output


@pytest.mark.parametrize(
    ("name", "package"), [(DETECTOR, "seesay_detector"), (AGGREGATOR, "seesay_aggregator")]
)
def test_components_run_the_code_unpacked_from_their_zip(pipeline, name, package):
    unpacked = pipeline.root / "packages" / "artifacts-unarchived" / name / "1.0.0" / name
    python = pipeline.root / "work" / name / "venv" / "bin" / "python"
    search_path = os.pathsep.join([str(unpacked), reuse_site_packages()["PYTHONPATH"]])
    where = f"import seesay, {package}; print(seesay.__file__); print({package}.__file__)"
    found = subprocess.run(
        [str(python), "-c", where],
        env={"PYTHONPATH": search_path}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert [Path(path).parent.parent for path in found] == [unpacked, unpacked]


def test_the_aggregator_stops_cleanly_on_sigterm(pipeline):
    assert pipeline.aggregator_code == 0, pipeline.aggregator_output
    assert "aggregator stopped" in pipeline.aggregator_output


def test_a_second_start_does_not_install_again(pipeline, build, capfd):
    store = ComponentStore(build.bundle / "recipes", build.bundle / "artifacts")
    environment = {**pipeline.environment, **reuse_site_packages()}
    component = prepare(store, DETECTOR, pipeline.root, THING, {}, environment)
    started = time.monotonic()
    assert component.run_step("Install") == 0
    assert time.monotonic() - started < 5
    assert "requirements already installed" in capfd.readouterr().out
