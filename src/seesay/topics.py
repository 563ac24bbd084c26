"""The topics the components talk on, in one place.

The recipes' accessControl, the cloud IoT rule and the code all name these;
tests check that they agree.
"""

from __future__ import annotations

# Local pub/sub (Greengrass IPC on a device, the local broker on a laptop).
DETECTIONS_TOPIC = "seesay/detections"
CAMERA_STATUS_TOPIC = "seesay/camera-status"

# AWS IoT Core: one topic per device, so the rule can key Kinesis by thing name.
WINDOWS_TOPIC_TEMPLATE = "seesay/{thing_name}/windows"
WINDOWS_TOPIC_FILTER = "seesay/+/windows"


def windows_topic(thing_name: str) -> str:
    """The IoT Core topic a device publishes its window summaries on."""
    if not thing_name or any(char in thing_name for char in "+#/"):
        raise ValueError(f"thing name {thing_name!r} cannot be used in a topic")
    return WINDOWS_TOPIC_TEMPLATE.format(thing_name=thing_name)
