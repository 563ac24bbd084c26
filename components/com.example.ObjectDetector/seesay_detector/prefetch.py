"""Reading ahead: decode the next frames of a file source while the current one is detected.

Only for files and folders, which wait for the reader; a live camera never
goes through here (its grabber keeps just the newest frame). The read-ahead is
bounded, so a slow detector holds back the reader instead of filling memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")

_END = object()


def read_ahead(items: Iterable[Item], depth: int = 2) -> Iterator[Item]:
    """The items of ``items``, produced on a thread of their own up to ``depth`` ahead."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    closing = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not closing.is_set():
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if closing.is_set():
                    return
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(error)
        ready.put(_END)

    reader = threading.Thread(target=produce, name="frame-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        closing.set()
        while reader.is_alive():
            try:
                ready.get_nowait()
            except queue.Empty:
                reader.join(timeout=0.1)
