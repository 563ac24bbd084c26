"""The ObjectDetector's settings, named as in the recipe's DefaultConfiguration.

Where AWS's Greengrass TFLite object-detection component has a setting with
the same meaning, the name is the same (``InferenceInterval``,
``PublishResultsOnTopic``, ``ImageDirectory``, ``ImageName``, ``UseCamera``).
docs/detector.md lists every key with its default.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from seesay.component_config import ComponentSettings
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC
from seesay_detector.filters import DetectionFilter


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
        0.0, ge=0, description="seconds between inferences; frames in between are skipped"
    )
    CameraId: str = Field("default", min_length=1, description="camera id put in each message")
    PublishResultsOnTopic: str = Field(
        DETECTIONS_TOPIC, min_length=1, description="local pub/sub topic for detections"
    )
    PublishCameraStatusOnTopic: str = Field(
        CAMERA_STATUS_TOPIC,
        min_length=1,
        description="local pub/sub topic for camera online/offline",
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
        1.0, gt=0, description="seconds before the first camera reconnect; doubles per failure"
    )
    ReconnectMaxDelay: float = Field(
        30.0, gt=0, description="longest wait between camera reconnects, seconds"
    )
    CameraTimeout: float = Field(
        10.0, gt=0, description="seconds without a frame before the camera is reported offline"
    )

    @field_validator("LabelScoreThresholds")
    @classmethod
    def _scores_in_range(cls, thresholds: dict[str, float]) -> dict[str, float]:
        for label, score in thresholds.items():
            if not 0 <= score <= 1:
                raise ValueError(f"score for {label!r} must be within 0..1, not {score}")
        return thresholds

    @model_validator(mode="after")
    def _delays_in_order(self) -> DetectorSettings:
        if self.ReconnectMaxDelay < self.ReconnectDelay:
            raise ValueError("ReconnectMaxDelay must not be shorter than ReconnectDelay")
        overlap = sorted(set(self.AllowLabels) & set(self.DenyLabels))
        if overlap:
            raise ValueError(f"AllowLabels and DenyLabels both name {overlap}")
        return self

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
