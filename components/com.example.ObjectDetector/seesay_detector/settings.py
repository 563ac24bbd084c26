"""The ObjectDetector's settings, named as in the recipe's DefaultConfiguration.

Where AWS's Greengrass TFLite object-detection component has a setting with
the same meaning, the name is the same (``InferenceInterval``,
``PublishResultsOnTopic``, ``ImageDirectory``, ``ImageName``, ``UseCamera``).
docs/detector.md lists every key with its default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationInfo, ValidationError, field_validator

from seesay.component_config import ComponentSettings, ConfigError, Topic
from seesay.contract import MessageError, parse_detection_frame
from seesay.timestamps import format_timestamp, utc_now
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC
from seesay_detector.component import MAX_INTERVAL_S
from seesay_detector.filters import DetectionFilter

# Longest wait any timing setting may ask for: a day. Longer is a typo, and
# would overflow the clocks the waits are computed with.
MAX_WAIT_S = MAX_INTERVAL_S


class DetectorSettings(ComponentSettings):
    """Settings of com.example.ObjectDetector."""

    ModelDirectory: str = Field(
        "", description="model folder (files plus manifest); empty = default model"
    )
    Backend: str = Field(
        "onnxruntime", pattern="^(onnxruntime|tflite)$", description="inference runtime"
    )
    InferenceThreads: int = Field(
        2, ge=1, le=64, description="CPU threads the inference runtime may use"
    )
    ImageDirectory: str = Field("", description="folder of images to detect on")
    ImageName: str = Field("", description="one image in ImageDirectory; empty = every image there")
    WatchDirectory: bool = Field(
        False, description="keep watching ImageDirectory for new or replaced images"
    )
    VideoFile: str = Field("", description="a video file to detect on instead of images")
    UseCamera: bool = Field(
        False, description="detect on a live camera or stream (CameraSource) instead of files"
    )
    CameraSource: str = Field(
        "0", min_length=1, description="camera device index, or an RTSP/HTTP stream URL"
    )
    InferenceInterval: float = Field(
        0.0,
        ge=0,
        le=MAX_INTERVAL_S,
        description="seconds between inferences; frames in between are skipped",
    )
    CameraId: str = Field("default", min_length=1, description="camera id put in each message")
    PublishResultsOnTopic: Topic = Field(
        DETECTIONS_TOPIC, description="local pub/sub topic for detections"
    )
    PublishCameraStatusOnTopic: Topic = Field(
        CAMERA_STATUS_TOPIC, description="local pub/sub topic for camera online/offline"
    )
    ScoreThreshold: float = Field(0.5, ge=0, le=1, description="minimum score published")
    LabelScoreThresholds: dict[str, float] = Field(
        {}, description='per-label minimum scores, e.g. {"person": 0.6}'
    )
    AllowLabels: list[str] = Field(
        [], description="publish only these labels; empty = all"
    )
    DenyLabels: list[str] = Field([], description="never publish these labels")
    MinBoxArea: float = Field(
        0.0, ge=0, le=1, description="smallest box published, as a fraction of the frame area"
    )
    MaxDetections: int = Field(
        20, ge=0, description="most detections per message, best first; 0 = no limit"
    )
    ReconnectDelay: float = Field(
        1.0,
        gt=0,
        le=MAX_WAIT_S,
        description="seconds before the first camera reconnect; doubles per failure",
    )
    ReconnectMaxDelay: float = Field(
        30.0, gt=0, le=MAX_WAIT_S, description="longest wait between camera reconnects, seconds"
    )
    CameraTimeout: float = Field(
        10.0,
        gt=0,
        le=MAX_WAIT_S,
        description="seconds without a frame before the camera is reported offline",
    )

    @field_validator("CameraId")
    @classmethod
    def _id_the_contract_accepts(cls, camera: str) -> str:
        return check_message_id(camera, "camera")

    @field_validator("CameraSource", mode="before")
    @classmethod
    def _device_index_as_text(cls, source: Any) -> Any:
        """``CameraSource: 0`` in YAML or JSON is a number: the device index it means."""
        if isinstance(source, int) and not isinstance(source, bool):
            return str(source)
        return source

    @field_validator("ModelDirectory", "ImageDirectory", "ImageName", "VideoFile", "CameraSource")
    @classmethod
    def _usable_path(cls, path: str) -> str:
        if "\x00" in path:
            raise ValueError("holds a NUL character, which no path or URL can")
        return path

    @field_validator("WatchDirectory")
    @classmethod
    def _watch_the_whole_folder(cls, watch: bool, info: ValidationInfo) -> bool:
        if watch and info.data.get("ImageName"):
            raise ValueError("watches every image of ImageDirectory; leave ImageName empty")
        return watch

    @field_validator("LabelScoreThresholds")
    @classmethod
    def _scores_in_range(cls, thresholds: dict[str, float]) -> dict[str, float]:
        for label, score in thresholds.items():
            if not 0 <= score <= 1:
                raise ValueError(f"score for {label!r} must be within 0..1, not {score}")
        return thresholds

    @field_validator("DenyLabels")
    @classmethod
    def _not_also_allowed(cls, deny: list[str], info: ValidationInfo) -> list[str]:
        overlap = sorted(set(info.data.get("AllowLabels", ())) & set(deny))
        if overlap:
            raise ValueError(f"names label(s) that are also allowed: {', '.join(overlap)}")
        return deny

    @field_validator("ReconnectMaxDelay")
    @classmethod
    def _not_shorter_than_the_first(cls, longest: float, info: ValidationInfo) -> float:
        first = info.data.get("ReconnectDelay")
        if first is not None and longest < first:
            raise ValueError(f"must not be shorter than ReconnectDelay ({first} s)")
        return longest

    def detection_filter(self) -> DetectionFilter:
        """The publishing filter these settings describe."""
        return DetectionFilter(
            score_threshold=self.ScoreThreshold,
            label_thresholds=dict(self.LabelScoreThresholds),
            allow=frozenset(self.AllowLabels),
            deny=frozenset(self.DenyLabels),
            min_area=self.MinBoxArea,
            max_detections=self.MaxDetections,
        )


def check_message_id(value: str, field: str) -> str:
    """``value`` when the message contract accepts it as ``field`` (``device``, ``camera``).

    A message with an id the contract refuses is dropped by every reader, so
    such an id is refused at start instead.
    """
    frame = {field: value, "timestamp": format_timestamp(utc_now()), "detections": []}
    try:
        parse_detection_frame(frame)
    except MessageError as error:
        raise ValueError(str(error)) from error
    return value


def settings_from_values(values: dict[str, Any], names: Mapping[str, str]) -> DetectorSettings:
    """Settings given under other names, such as command-line flags.

    ``values`` is keyed by setting name; ``names`` maps setting names to the
    names the user typed (``{"ScoreThreshold": "--threshold"}``). A bad value
    raises ConfigError naming what the user typed, on one line.
    """
    try:
        return DetectorSettings.model_validate(values)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            key = str(problem["loc"][0]) if problem["loc"] else "(settings)"
            message = problem["msg"].removeprefix("Value error, ")
            given = problem.get("input")
            if problem["type"] != "value_error" and isinstance(given, (int, float, str)):
                message = f"{message} (not {given!r})"
            problems.append(f"{names.get(key, key)}: {message}")
        raise ConfigError("; ".join(problems)) from error
