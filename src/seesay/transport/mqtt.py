"""MQTT transport (paho-mqtt), for the local stack or any MQTT broker.

On a laptop one broker stands in for both Greengrass local pub/sub and AWS IoT
Core, so ``publish`` and ``publish_to_cloud`` go to the same connection. Every
publish is QoS 1, and ``close`` waits until the broker has acknowledged them.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlparse

import paho.mqtt.client as paho

from seesay.transport.base import MessageHandler, Transport, TransportError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
FLUSH_TIMEOUT_S = 10.0


def parse_mqtt_url(url: str) -> tuple[str, int]:
    """Split ``mqtt://host:port`` into host and port (default 1883)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise TransportError(f"MQTT URL {url!r} is not mqtt://host:port")
    try:
        port = parsed.port or 1883
    except ValueError as error:
        raise TransportError(f"MQTT URL {url!r}: {error}") from error
    return parsed.hostname, port


class MqttTransport(Transport):
    """Transport over one MQTT connection."""

    name = "mqtt"

    def __init__(self, client: paho.Client, url: str) -> None:
        self._client = client
        self._url = url
        self._handlers: dict[str, list[MessageHandler]] = {}
        self._pending: list[paho.MQTTMessageInfo] = []
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._suback: dict[int, threading.Event] = {}
        client.on_subscribe = self._on_subscribe
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message

    @classmethod
    def connect(cls, url: str, client_id: str) -> MqttTransport:
        """Connect to the broker at ``url`` and start the network loop."""
        host, port = parse_mqtt_url(url)
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id)
        client.max_queued_messages_set(10_000)
        transport = cls(client, url)
        try:
            client.connect(host, port, keepalive=30)
        except OSError as error:
            raise TransportError(f"cannot reach MQTT broker at {url}: {error}") from error
        client.loop_start()
        if not transport._connected.wait(CONNECT_TIMEOUT_S):
            client.loop_stop()
            raise TransportError(f"MQTT broker at {url} did not accept the connection")
        return transport

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT broker %s refused the connection: %s", self._url, reason_code)
            return
        logger.info("connected to MQTT broker %s", self._url)
        with self._lock:
            topics = list(self._handlers)
        for topic in topics:
            client.subscribe(topic, qos=1)
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        if reason_code.value != 0:
            logger.warning("disconnected from MQTT broker %s: %s", self._url, reason_code)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        with self._lock:
            acknowledged = self._suback.pop(mid, None)
        if acknowledged is not None:
            acknowledged.set()

    def _on_message(self, client, userdata, message: paho.MQTTMessage) -> None:
        with self._lock:
            handlers = [
                handler
                for topic, topic_handlers in self._handlers.items()
                if paho.topic_matches_sub(topic, message.topic)
                for handler in topic_handlers
            ]
        for handler in handlers:
            try:
                handler(message.topic, message.payload)
            except Exception:
                # A handler bug must not stop the network loop for everyone else.
                logger.exception("handler for %s failed", message.topic)

    def _publish(self, topic: str, payload: bytes) -> None:
        info = self._client.publish(topic, payload, qos=1)
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            raise TransportError(f"MQTT publish to {topic!r} failed: {paho.error_string(info.rc)}")
        with self._lock:
            self._pending = [item for item in self._pending if not item.is_published()]
            self._pending.append(info)

    def publish(self, topic: str, payload: bytes) -> None:
        self._publish(topic, payload)

    def publish_to_cloud(self, topic: str, payload: bytes) -> None:
        self._publish(topic, payload)

    def subscribe(self, topic: str, handler: MessageHandler) -> None:
        acknowledged = threading.Event()
        with self._lock:
            self._handlers.setdefault(topic, []).append(handler)
            result, mid = self._client.subscribe(topic, qos=1)
            self._suback[mid] = acknowledged
        if result != paho.MQTT_ERR_SUCCESS:
            raise TransportError(f"MQTT subscribe to {topic!r} failed: {paho.error_string(result)}")
        # Wait for the broker's acknowledgement, so a message published right
        # after subscribe() returns is delivered.
        if not acknowledged.wait(CONNECT_TIMEOUT_S):
            raise TransportError(f"MQTT broker did not acknowledge the subscription to {topic!r}")
        logger.info("subscribed to %s over MQTT", topic)

    def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> bool:
        """Wait until every publish so far is acknowledged; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            pending = list(self._pending)
        for info in pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                info.wait_for_publish(remaining)
            except (RuntimeError, ValueError):
                return False
            if not info.is_published():
                return False
        return True

    def close(self) -> None:
        if not self.flush():
            logger.warning("closing with unacknowledged MQTT publishes to %s", self._url)
        self._client.disconnect()
        self._client.loop_stop()
        logger.info("disconnected from MQTT broker %s", self._url)
