"""The LocalAggregator's settings, named as in the recipe's DefaultConfiguration."""

from __future__ import annotations

from pydantic import Field

from seesay.component_config import ComponentSettings
from seesay.topics import DETECTIONS_TOPIC


class AggregatorSettings(ComponentSettings):
    """Settings of com.example.LocalAggregator."""

    WindowSeconds: float = Field(10.0, gt=0, le=3600, description="tumbling window length")
    MinCount: int = Field(2, ge=1, description="frames a label must be seen in to be reported (2 = the old design's 'more than once')")
    MinScore: float = Field(0.0, ge=0, le=1, description="detections below this score are ignored")
    AllowedLatenessSeconds: float = Field(0.0, ge=0, description="how late a frame may arrive and still count")
    IdleCloseSeconds: float = Field(0.0, ge=0, description="close a quiet camera's windows after this long; 0 = window + lateness")
    DetectionsTopic: str = Field(DETECTIONS_TOPIC, min_length=1, description="local pub/sub topic the detector publishes on")
