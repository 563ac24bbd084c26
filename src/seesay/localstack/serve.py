"""``seesay localstack``: the local stack in the foreground, until Ctrl-C or SIGTERM.

While it runs, its endpoints are in the state folder's ``localstack.json``
(:mod:`seesay.localstack.endpoints`), so commands started in other terminals
reach the same broker and stream; the file goes when the stack stops.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TextIO

from seesay.localstack.endpoints import read_endpoints, remove_endpoints, write_endpoints
from seesay.localstack.stack import DEFAULT_STREAM_NAME, LocalStack

logger = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another local stack has written its endpoints and is still running."""


def serve(
    out: TextIO,
    stream_name: str = DEFAULT_STREAM_NAME,
    shard_count: int = 1,
    stop: threading.Event | None = None,
) -> None:
    """Start the stack, publish its endpoints, and wait for Ctrl-C, SIGTERM or ``stop``."""
    running = read_endpoints()
    if running is not None:
        raise AlreadyRunning(
            f"a local stack is already running (pid {running.get('pid')}, "
            f"Kinesis {running['kinesis_endpoint']}); stop it first"
        )
    stop = stop or threading.Event()
    restore = _stop_on_sigterm(stop)
    try:
        with LocalStack(stream_name, shard_count) as stack:
            path = write_endpoints(stack)
            try:
                print(f"local stack running, Ctrl-C stops it\n"
                      f"  MQTT broker     {stack.mqtt_url}\n"
                      f"  Kinesis         {stack.kinesis_endpoint}, stream {stack.stream_name} "
                      f"({shard_count} shard{'s' if shard_count != 1 else ''})\n"
                      f"  endpoints file  {path}\n"
                      f"then, in another terminal: seesay ask \"what do you see?\"",
                      file=out, flush=True)
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                remove_endpoints(path)
    finally:
        restore()
    print("local stack stopped", file=out, flush=True)


def _stop_on_sigterm(stop: threading.Event) -> Callable[[], object]:
    """Make SIGTERM set ``stop`` (main thread only); returns how to undo it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return lambda: signal.signal(signal.SIGTERM, previous)
