"""G01: every topic the components use over IPC is allowed by their recipe, and nothing more.

The components run for real (their ``python -m`` entry points, with the
arguments the built recipe's Run step passes) over the real IPC transport;
only awsiotsdk's GreengrassCoreIPCClientV2 is replaced, by a client that
authorizes each call against the recipe's accessControl the way the nucleus
does and refuses the rest with the SDK's own UnauthorizedError.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from awsiot.greengrasscoreipc import clientv2
from awsiot.greengrasscoreipc.model import (
    BinaryMessage,
    SubscriptionResponseMessage,
    UnauthorizedError,
)

import seesay_aggregator.__main__ as aggregator_main
import seesay_detector.__main__ as detector_main
from seesay.contract import Detection, DetectionFrame
from seesay.packaging.access_control import (
    MQTT_PROXY,
    PUBLISH_TO_IOT_CORE,
    PUBLISH_TO_TOPIC,
    PUBSUB,
    SUBSCRIBE_TO_TOPIC,
    Grant,
    grants,
    is_allowed,
    topic_matches,
)
from seesay.packaging.deployment import load_template, merges
from seesay.packaging.interpolation import ComponentPaths, Scope, interpolate
from seesay.packaging.lifecycle import merge_configuration, select_manifest, this_platform
from seesay.packaging.recipes import default_configuration, get_key
from seesay.timestamps import utc_now
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC, windows_topic
from seesay_aggregator.settings import AggregatorSettings
from seesay_detector.settings import DetectorSettings

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
THING = "camera-17"
# Each setting that names a topic, and what the component does with it over IPC.
TOPIC_SETTINGS = {
    DETECTOR: {
        "PublishResultsOnTopic": (PUBSUB, PUBLISH_TO_TOPIC),
        "PublishCameraStatusOnTopic": (PUBSUB, PUBLISH_TO_TOPIC),
    },
    AGGREGATOR: {
        "DetectionsTopic": (PUBSUB, SUBSCRIBE_TO_TOPIC),
        "CameraStatusTopic": (PUBSUB, SUBSCRIBE_TO_TOPIC),
    },
}
SETTINGS = {DETECTOR: DetectorSettings, AGGREGATOR: AggregatorSettings}


class AuthorizingIpcClient:
    """GreengrassCoreIPCClientV2 as the transport calls it, authorizing like the nucleus."""

    CALLS = {
        "publish_to_topic": (PUBSUB, PUBLISH_TO_TOPIC, "topic"),
        "subscribe_to_topic": (PUBSUB, SUBSCRIBE_TO_TOPIC, "topic"),
        "publish_to_iot_core": (MQTT_PROXY, PUBLISH_TO_IOT_CORE, "topic_name"),
    }

    def __init__(self, allowed: set[Grant]) -> None:
        self.allowed = allowed
        self.used: set[tuple[str, str, str]] = set()
        self.refused: list[tuple[str, str, str]] = []
        self.streams: dict[str, object] = {}

    def _authorize(self, call: str, arguments: dict) -> None:
        service, operation, key = self.CALLS[call]
        use = (service, operation, arguments[key])
        self.used.add(use)
        if not is_allowed(self.allowed, *use):
            self.refused.append(use)
            raise UnauthorizedError(message=f"{operation} on {arguments[key]} is not authorized")

    def publish_to_topic(self, **arguments) -> None:
        self._authorize("publish_to_topic", arguments)

    def publish_to_iot_core(self, **arguments) -> None:
        self._authorize("publish_to_iot_core", arguments)

    def subscribe_to_topic(self, **arguments) -> None:
        self._authorize("subscribe_to_topic", arguments)
        self.streams[arguments["topic"]] = arguments["on_stream_event"]

    def close(self) -> None:
        pass


def run_arguments(recipe: dict, configuration: dict, module: str) -> list[str]:
    """The arguments the recipe's Run step gives ``python -m <module>``."""
    manifest = select_manifest(recipe, this_platform())
    folder = Path("/greengrass/v2")
    scope = Scope(
        name=get_key(recipe, "ComponentName"),
        configuration=configuration,
        paths=ComponentPaths(folder / "artifacts", folder / "unpacked", folder / "work"),
        root=folder,
        thing_name=THING,
    )
    script = interpolate(get_key(manifest, "Lifecycle")["Run"]["Script"], scope)
    words = shlex.split(script.replace("\\\n", " "))
    return words[words.index(module) + 1:]


@contextmanager
def ipc_component(monkeypatch, tmp_path, allowed: set[Grant]):
    """A nucleus-like environment: IPC forced, the authorizing client, a work folder."""
    client = AuthorizingIpcClient(allowed)
    monkeypatch.setattr(clientv2, "GreengrassCoreIPCClientV2", lambda: client)
    monkeypatch.setenv("SEESAY_TRANSPORT", "ipc")
    monkeypatch.setenv("AWS_IOT_THING_NAME", THING)
    monkeypatch.chdir(tmp_path)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        yield client
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_topic_matching_follows_the_nucleus():
    assert topic_matches("seesay/detections", "seesay/detections")
    assert not topic_matches("seesay/detections", "seesay/detections/extra")
    assert topic_matches("seesay/+/windows", "seesay/camera-17/windows")
    assert not topic_matches("seesay/+/windows", "seesay/a/b/windows")
    assert topic_matches("seesay/#", "seesay/a/b")
    assert topic_matches("*", "anything/at/all")
    assert topic_matches("seesay/cam*/windows", "seesay/camera-17/windows")
    assert not topic_matches("seesay/cam*/windows", "seesay/front/windows")


def test_thing_name_is_filled_into_policies(build):
    allowed = grants(default_configuration(build.recipe(AGGREGATOR)), THING)
    assert Grant(MQTT_PROXY, PUBLISH_TO_IOT_CORE, windows_topic(THING)) in allowed
    assert not is_allowed(allowed, MQTT_PROXY, PUBLISH_TO_IOT_CORE, windows_topic("another-thing"))


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_recipe_allows_exactly_the_topics_the_settings_name(build, name):
    configuration = default_configuration(build.recipe(name))
    topic_fields = {field for field in SETTINGS[name].model_fields if field.endswith("Topic")}
    assert topic_fields == set(TOPIC_SETTINGS[name]), "a new topic setting needs a line above"
    expected = {
        Grant(service, operation, configuration[field])
        for field, (service, operation) in TOPIC_SETTINGS[name].items()
    }
    if name == AGGREGATOR:
        expected.add(Grant(MQTT_PROXY, PUBLISH_TO_IOT_CORE, windows_topic(THING)))
    assert grants(configuration, THING) == expected
    assert {configuration[field] for field in TOPIC_SETTINGS[name]} == {
        DETECTIONS_TOPIC, CAMERA_STATUS_TOPIC,
    }


def test_detector_publishes_only_where_its_recipe_allows(build, images, monkeypatch, tmp_path):
    recipe = build.recipe(DETECTOR)
    configuration = merge_configuration(
        default_configuration(recipe), {"ImageDirectory": str(images), "ImageName": "pets.jpg"}
    )
    with ipc_component(monkeypatch, tmp_path, grants(configuration, THING)) as client:
        code = detector_main.main(run_arguments(recipe, configuration, "seesay_detector"))
    assert code == 0
    assert client.refused == []
    assert (PUBSUB, PUBLISH_TO_TOPIC, DETECTIONS_TOPIC) in client.used


def test_aggregator_uses_only_what_its_recipe_allows(build, monkeypatch, tmp_path):
    recipe = build.recipe(AGGREGATOR)
    configuration = default_configuration(recipe)
    frame = DetectionFrame(
        device=THING, camera="front", timestamp=utc_now(),
        detections=(Detection("dog", 0.9, (0.1, 0.1, 0.5, 0.5)),),
    )

    with ipc_component(monkeypatch, tmp_path, grants(configuration, THING)) as client:
        def deliver_then_stop() -> None:
            deadline = time.monotonic() + 10
            while DETECTIONS_TOPIC not in client.streams and time.monotonic() < deadline:
                time.sleep(0.02)
            if DETECTIONS_TOPIC in client.streams:
                message = BinaryMessage(message=frame.to_json().encode())
                event = SubscriptionResponseMessage(binary_message=message)
                client.streams[DETECTIONS_TOPIC](event)
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGTERM)

        feeder = threading.Thread(target=deliver_then_stop, daemon=True)
        feeder.start()
        code = aggregator_main.main(run_arguments(recipe, configuration, "seesay_aggregator"))
        feeder.join()

    assert code == 0
    assert client.refused == []
    assert client.used == {
        (PUBSUB, SUBSCRIBE_TO_TOPIC, DETECTIONS_TOPIC),
        (PUBSUB, SUBSCRIBE_TO_TOPIC, CAMERA_STATUS_TOPIC),
        (MQTT_PROXY, PUBLISH_TO_IOT_CORE, windows_topic(THING)),
    }


def test_a_refused_publish_is_logged_not_fatal(build, images, monkeypatch, tmp_path, caplog):
    """Without the accessControl entry the nucleus refuses; the detector says so and goes on."""
    recipe = build.recipe(DETECTOR)
    configuration = merge_configuration(
        default_configuration(recipe), {"ImageDirectory": str(images), "ImageName": "pets.jpg"}
    )
    with ipc_component(monkeypatch, tmp_path, set()) as client:
        code = detector_main.main(run_arguments(recipe, configuration, "seesay_detector"))
    assert code == 0
    assert (PUBSUB, PUBLISH_TO_TOPIC, DETECTIONS_TOPIC) in client.refused
    refusals = [record for record in caplog.records if record.levelname == "ERROR"]
    assert refusals and DETECTIONS_TOPIC in refusals[0].getMessage()


def test_the_fleet_deployment_keeps_topics_inside_access_control(build, checkout):
    template_merges = merges(load_template(checkout))
    for name in (DETECTOR, AGGREGATOR):
        configuration = merge_configuration(
            default_configuration(build.recipe(name)), template_merges.get(name, {})
        )
        allowed = grants(configuration, THING)
        for field, (service, operation) in TOPIC_SETTINGS[name].items():
            assert is_allowed(allowed, service, operation, configuration[field]), (name, field)
