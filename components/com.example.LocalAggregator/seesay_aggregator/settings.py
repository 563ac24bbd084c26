"""The LocalAggregator's settings, named as in the recipe's DefaultConfiguration."""

from __future__ import annotations

from pydantic import Field

from seesay.component_config import ComponentSettings, Topic
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC


class AggregatorSettings(ComponentSettings):
    """Settings of com.example.LocalAggregator."""

    WindowSeconds: float = Field(
        10.0, ge=0.1, le=3600, description="tumbling window length, 0.1 s to one hour"
    )
    MinCount: int = Field(
        2, ge=1,
        description="frames a label must be seen in to be reported "
        "(2 = the old design's 'more than once')",
    )
    MinScore: float = Field(0.0, ge=0, le=1, description="detections below this score are ignored")
    AllowedLatenessSeconds: float = Field(
        0.0, ge=0, le=3600,
        description="how far behind its camera's newest frame a frame may still count",
    )
    IdleCloseSeconds: float = Field(
        0.0, ge=0, le=86400,
        description="close a quiet camera's windows after this long; 0 = window + lateness",
    )
    StateFile: str = Field(
        "aggregator-state.json",
        description="checkpoint of open windows, relative to the work folder; empty = none",
    )
    OutboxLimit: int = Field(
        1000, ge=1, le=100_000, description="most unpublished summaries kept while IoT Core is unreachable"
    )
    MaxFutureSeconds: float = Field(
        300.0, ge=0, le=86400,
        description="frames stamped further ahead of this device's clock are refused",
    )
    DetectionsTopic: Topic = Field(
        DETECTIONS_TOPIC, min_length=1, description="local topic the detector publishes on"
    )
    CameraStatusTopic: Topic = Field(
        CAMERA_STATUS_TOPIC, min_length=1, description="local topic of camera online/offline news"
    )
