"""The ObjectDetector's settings, named as in the recipe's DefaultConfiguration.

Where AWS's Greengrass TFLite object-detection component has a setting with
the same meaning, the name is the same (``InferenceInterval``,
``PublishResultsOnTopic``, ``ImageDirectory``, ``ImageName``).
"""

from __future__ import annotations

from pydantic import Field

from seesay.component_config import ComponentSettings
from seesay.topics import DETECTIONS_TOPIC


class DetectorSettings(ComponentSettings):
    """Settings of com.example.ObjectDetector."""

    ModelDirectory: str = Field("", description="model folder (files plus manifest); empty = default model")
    Backend: str = Field("onnxruntime", pattern="^(onnxruntime|tflite)$", description="inference runtime")
    ImageDirectory: str = Field("", description="folder of images to detect on")
    ImageName: str = Field("", description="one image in ImageDirectory; empty = every image there")
    VideoFile: str = Field("", description="a video file to detect on instead of images")
    InferenceInterval: float = Field(0.0, ge=0, description="seconds between inferences; frames in between are skipped")
    CameraId: str = Field("default", min_length=1, description="camera id put in each message")
    PublishResultsOnTopic: str = Field(DETECTIONS_TOPIC, min_length=1, description="local pub/sub topic for detections")
    ScoreThreshold: float = Field(0.5, ge=0, le=1, description="minimum score published")
