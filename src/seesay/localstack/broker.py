"""An embedded MQTT broker (amqtt) on loopback, run on its own event-loop thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """amqtt's broker listening on ``host:port`` (loopback by default)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._broker = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> EmbeddedBroker:
        """Start the broker; returns once it accepts connections."""
        self._thread = threading.Thread(target=self._serve, name="mqtt-broker", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError(f"MQTT broker did not start on {self.url}")
        if self._error is not None:
            raise RuntimeError(f"MQTT broker failed to start on {self.url}: {self._error}")
        logger.info("MQTT broker listening on %s", self.url)
        return self

    def _serve(self) -> None:
        from amqtt.broker import Broker

        asyncio.set_event_loop(self._loop)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        try:
            self._broker = Broker(config, loop=self._loop)
            self._loop.run_until_complete(self._broker.start())
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    def stop(self) -> None:
        """Shut the broker down and end its thread."""
        if self._broker is None or not self._loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
        try:
            future.result(timeout=10)
        except Exception as error:  # shutting down anyway
            logger.warning("MQTT broker shutdown: %s", error)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        logger.info("MQTT broker on %s stopped", self.url)
