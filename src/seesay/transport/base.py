"""The one interface every component uses to publish and subscribe."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

MessageHandler = Callable[[str, bytes], None]


class TransportError(RuntimeError):
    """A publish or subscribe that the transport could not carry out."""


class Transport(ABC):
    """Local pub/sub between components, plus the uplink to AWS IoT Core.

    On a device these are Greengrass IPC's local pub/sub and its MQTT proxy;
    on a laptop both go to the local stack's broker.
    """

    name: str = "transport"

    @abstractmethod
    def publish(self, topic: str, payload: bytes) -> None:
        """Publish on local pub/sub (other components on the same device)."""

    @abstractmethod
    def subscribe(self, topic: str, handler: MessageHandler) -> None:
        """Call ``handler(topic, payload)`` for each local message on ``topic``."""

    @abstractmethod
    def publish_to_cloud(self, topic: str, payload: bytes) -> None:
        """Publish to AWS IoT Core at QoS 1 (at least once)."""

    @abstractmethod
    def close(self) -> None:
        """Flush what can be flushed and disconnect."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
