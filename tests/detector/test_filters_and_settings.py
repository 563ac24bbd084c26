"""Publishing filters and the component's settings, validated before the first frame."""

from __future__ import annotations

import json

import pytest

from seesay.component_config import ConfigError, load_settings, validate_settings
from seesay.contract import Detection
from seesay_detector.detector import Detector
from seesay_detector.filters import DetectionFilter
from seesay_detector.model import ModelError
from seesay_detector.settings import DetectorSettings

DETECTIONS = [
    Detection("dog", 0.91, (0.1, 0.1, 0.6, 0.6)),
    Detection("person", 0.55, (0.0, 0.0, 1.0, 1.0)),
    Detection("cat", 0.65, (0.5, 0.5, 0.52, 0.52)),
    Detection("tie", 0.80, (0.4, 0.4, 0.5, 0.6)),
]


def labels(detections):
    return [detection.label for detection in detections]


def test_the_default_filter_keeps_scores_at_or_above_one_half_best_first():
    assert labels(DetectionFilter().apply(reversed(DETECTIONS))) == ["dog", "tie", "cat", "person"]


def test_per_label_thresholds_override_the_general_one():
    chosen = DetectionFilter(score_threshold=0.5, label_thresholds={"person": 0.6, "cat": 0.3})
    assert labels(chosen.apply(DETECTIONS)) == ["dog", "tie", "cat"]


def test_allow_and_deny_lists():
    assert labels(DetectionFilter(allow=frozenset({"dog", "cat"})).apply(DETECTIONS)) == [
        "dog",
        "cat",
    ]
    assert labels(DetectionFilter(deny=frozenset({"tie"})).apply(DETECTIONS)) == [
        "dog",
        "cat",
        "person",
    ]


def test_minimum_box_area_is_a_fraction_of_the_frame():
    assert labels(DetectionFilter(min_area=0.01).apply(DETECTIONS)) == ["dog", "tie", "person"]


def test_maximum_detections_keeps_the_best():
    assert labels(DetectionFilter(max_detections=2).apply(DETECTIONS)) == ["dog", "tie"]


def test_a_filter_naming_a_label_the_model_lacks_is_refused_at_load(model_dir):
    with pytest.raises(ModelError, match="AllowLabels: 'dgo' is not a label"):
        Detector(model_dir, filters=DetectionFilter(allow=frozenset({"dgo"})))


def test_filters_apply_to_real_detections(onnx_detector, model_dir, images):
    from seesay_detector.frames import read_image

    grace = read_image(images / "grace_hopper.bmp")
    assert "tie" in labels(onnx_detector.detect(grace).detections)
    only_people = Detector(
        model_dir, filters=DetectionFilter(deny=frozenset({"tie"}), max_detections=1)
    )
    assert labels(only_people.detect(grace).detections) == ["person"]


def test_settings_defaults_validate_and_describe_every_key():
    settings = DetectorSettings()
    assert settings.Backend == "onnxruntime" and settings.UseCamera is False
    for name, field in DetectorSettings.model_fields.items():
        assert field.description, name
    assert settings.detection_filter() == DetectionFilter(max_detections=20)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ScoreThreshold": 1.5}, "ScoreThreshold"),
        ({"Backend": "mxnet"}, "Backend"),
        ({"LabelScoreThresholds": {"dog": 2}}, "LabelScoreThresholds"),
        ({"ReconnectDelay": 10, "ReconnectMaxDelay": 5}, "ReconnectMaxDelay"),
        ({"AllowLabels": ["dog"], "DenyLabels": ["dog"]}, "DenyLabels"),
        ({"InferenceThreads": 0}, "InferenceThreads"),
        ({"CameraTimeOut": 3}, "CameraTimeOut"),
    ],
)
def test_a_bad_setting_fails_naming_the_key(values, named):
    with pytest.raises(ConfigError, match=named):
        validate_settings(DetectorSettings, values)


def test_recipe_style_text_values_convert(tmp_path):
    """Greengrass merges configuration as JSON; flags arrive as text."""
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"UseCamera": "true", "InferenceInterval": "3", "AllowLabels": ["person"]})
    )
    settings = load_settings(
        DetectorSettings,
        [
            "--config",
            str(config),
            "--MaxDetections",
            "5",
            "--LabelScoreThresholds",
            '{"person": 0.7}',
        ],
        prog="test",
    )
    assert settings.UseCamera is True and settings.InferenceInterval == 3.0
    assert settings.MaxDetections == 5 and settings.LabelScoreThresholds == {"person": 0.7}


# Settings that would only fail later, per frame or with an overflow ----------------------


@pytest.mark.parametrize(
    "topic", ["seesay/#", "seesay/+/detections", "#", "$aws/things/x/shadow", "é" * 129]
)
@pytest.mark.parametrize("key", ["PublishResultsOnTopic", "PublishCameraStatusOnTopic"])
def test_a_topic_that_cannot_be_published_on_is_refused_at_start(key, topic):
    with pytest.raises(ConfigError, match=key):
        validate_settings(DetectorSettings, {key: topic})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"InferenceInterval": 1e12}, "InferenceInterval"),
        ({"InferenceInterval": 86_401}, "InferenceInterval"),
        ({"ReconnectDelay": 1e12, "ReconnectMaxDelay": 1e12}, "ReconnectDelay"),
        ({"ReconnectMaxDelay": 1e308}, "ReconnectMaxDelay"),
        ({"CameraTimeout": 1e12}, "CameraTimeout"),
    ],
)
def test_timing_settings_are_at_most_a_day(values, named):
    with pytest.raises(ConfigError, match=f"{named}: Input should be less than or equal to 86400"):
        validate_settings(DetectorSettings, values)


def test_a_huge_interval_flag_stops_the_component_before_it_starts(capsys):
    with pytest.raises(SystemExit) as stopped:
        load_settings(DetectorSettings, ["--InferenceInterval", "1e308"], prog="seesay_detector")
    assert stopped.value.code == 2 and "InferenceInterval" in capsys.readouterr().err


def test_a_camera_index_written_as_a_number_in_yaml_is_accepted(tmp_path):
    config = tmp_path / "detector.yaml"
    config.write_text("UseCamera: true\nCameraSource: 99\n")
    settings = load_settings(DetectorSettings, ["--config", str(config)], prog="test")
    assert settings.CameraSource == "99"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ImageDirectory": "/data\x00x"}, "ImageDirectory"),
        ({"ImageName": "a.jpg", "WatchDirectory": True}, "WatchDirectory"),
        ({"CameraId": "front/door"}, "CameraId"),  # every message would be refused
        ({"CameraId": "c" * 200}, "CameraId"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(values, named):
    with pytest.raises(ConfigError, match=named):
        validate_settings(DetectorSettings, values)
