"""Greengrass IPC transport, through awsiotsdk's GreengrassCoreIPCClientV2.

Local messages go through ``publish_to_topic`` / ``subscribe_to_topic``
(authorised by the recipe's ``aws.greengrass.ipc.pubsub`` policy); summaries go
to IoT Core through ``publish_to_iot_core`` at QoS 1 (``aws.greengrass.ipc.mqttproxy``).
The nucleus spools QoS 1 messages while the device is offline.
"""

from __future__ import annotations

import logging
from typing import Any

from seesay.transport.base import MessageHandler, Transport, TransportError

logger = logging.getLogger(__name__)


def _reason(error: Exception) -> str:
    """The SDK's errors keep their text in ``message``; some have an empty str()."""
    return getattr(error, "message", None) or str(error) or type(error).__name__


class IpcTransport(Transport):
    """Transport over the nucleus' IPC socket."""

    name = "ipc"

    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def connect(cls) -> IpcTransport:
        """Connect to the nucleus named by the component's environment."""
        from awsiot.greengrasscoreipc.clientv2 import GreengrassCoreIPCClientV2

        try:
            client = GreengrassCoreIPCClientV2()
        except Exception as error:  # the SDK raises several unrelated types
            raise TransportError(f"cannot connect to the Greengrass nucleus: {_reason(error)}") from error
        logger.info("connected to the Greengrass nucleus over IPC")
        return cls(client)

    def publish(self, topic: str, payload: bytes) -> None:
        from awsiot.greengrasscoreipc.model import BinaryMessage, PublishMessage

        message = PublishMessage(binary_message=BinaryMessage(message=payload))
        try:
            self._client.publish_to_topic(topic=topic, publish_message=message)
        except Exception as error:
            raise TransportError(f"IPC publish to {topic!r} failed: {_reason(error)}") from error

    def subscribe(self, topic: str, handler: MessageHandler) -> None:
        def on_event(event: Any) -> None:
            if event.binary_message is not None:
                handler(topic, bytes(event.binary_message.message))
            elif event.json_message is not None:
                import json

                handler(topic, json.dumps(event.json_message.message).encode())

        def on_error(error: Exception) -> bool:
            logger.error("IPC subscription to %s failed: %s", topic, error)
            return False  # keep the stream open

        try:
            self._client.subscribe_to_topic(
                topic=topic, on_stream_event=on_event, on_stream_error=on_error
            )
        except Exception as error:
            raise TransportError(f"IPC subscribe to {topic!r} failed: {_reason(error)}") from error
        logger.info("subscribed to %s over IPC", topic)

    def publish_to_cloud(self, topic: str, payload: bytes) -> None:
        from awsiot.greengrasscoreipc.model import QOS

        try:
            self._client.publish_to_iot_core(
                topic_name=topic, qos=QOS.AT_LEAST_ONCE, payload=payload
            )
        except Exception as error:
            raise TransportError(f"IoT Core publish to {topic!r} failed: {_reason(error)}") from error

    def close(self) -> None:
        self._client.close()
        logger.info("IPC connection closed")
