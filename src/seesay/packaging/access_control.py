"""What a recipe's accessControl lets a component do over Greengrass IPC (case G01).

An IPC publish or subscribe is refused unless an authorization policy in the
component's ``accessControl`` configuration allows that operation on that
topic. The services and operations used here are the ones
:class:`seesay.transport.ipc.IpcTransport` calls:

========================  ============================  =====================================
Transport method          IPC service                   operation
========================  ============================  =====================================
``publish``               aws.greengrass.ipc.pubsub     aws.greengrass#PublishToTopic
``subscribe``             aws.greengrass.ipc.pubsub     aws.greengrass#SubscribeToTopic
``publish_to_cloud``      aws.greengrass.ipc.mqttproxy  aws.greengrass#PublishToIoTCore
========================  ============================  =====================================

Resources may be exact topics, ``*`` (everything), MQTT wildcards (``+``
one level, ``#`` the rest) or ``*`` inside a level, and may contain
``{iot:thingName}`` (nucleus 2.6.0 and later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PUBSUB = "aws.greengrass.ipc.pubsub"
MQTT_PROXY = "aws.greengrass.ipc.mqttproxy"
PUBLISH_TO_TOPIC = "aws.greengrass#PublishToTopic"
SUBSCRIBE_TO_TOPIC = "aws.greengrass#SubscribeToTopic"
PUBLISH_TO_IOT_CORE = "aws.greengrass#PublishToIoTCore"

# What each Transport method needs when the transport is Greengrass IPC.
TRANSPORT_OPERATIONS = {
    "publish": (PUBSUB, PUBLISH_TO_TOPIC),
    "subscribe": (PUBSUB, SUBSCRIBE_TO_TOPIC),
    "publish_to_cloud": (MQTT_PROXY, PUBLISH_TO_IOT_CORE),
}
THING_NAME_VARIABLE = "{iot:thingName}"


@dataclass(frozen=True)
class Grant:
    """One (service, operation, resource) an authorization policy allows."""

    service: str
    operation: str
    resource: str


def grants(configuration: dict[str, Any], thing_name: str) -> set[Grant]:
    """Every grant in a configuration's ``accessControl``, with the thing name filled in."""
    found = set()
    for service, policies in (configuration.get("accessControl") or {}).items():
        for policy in (policies or {}).values():
            for operation in policy.get("operations", []):
                for resource in policy.get("resources", []):
                    resource = resource.replace(THING_NAME_VARIABLE, thing_name)
                    found.add(Grant(service, operation, resource))
    return found


def topic_matches(resource: str, topic: str) -> bool:
    """Whether a policy resource covers a topic, as the nucleus compares them."""
    if resource == "*" or resource == topic:
        return True
    wanted, levels = resource.split("/"), topic.split("/")
    for index, part in enumerate(wanted):
        if part == "#":
            return True
        if index >= len(levels):
            return False
        if part == "+":
            continue
        if "*" in part:
            head, _, tail = part.partition("*")
            level = levels[index]
            fits = len(level) >= len(head) + len(tail)
            if not (fits and level.startswith(head) and level.endswith(tail)):
                return False
        elif part != levels[index]:
            return False
    return len(wanted) == len(levels)


def is_allowed(allowed: set[Grant], service: str, operation: str, topic: str) -> bool:
    """Whether one of ``allowed`` lets ``operation`` of ``service`` use ``topic``."""
    return any(
        grant.service == service
        and grant.operation in (operation, "*")
        and topic_matches(grant.resource, topic)
        for grant in allowed
    )
