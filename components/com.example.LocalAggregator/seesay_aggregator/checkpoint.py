"""The aggregator's state file: open windows and not-yet-published summaries.

Written after every change, by writing a temporary file and renaming it over
the old one, so a process killed at any moment (even ``kill -9``) leaves
either the old state or the new one, never half of each. The kernel keeps a
renamed file across a process crash; ``fsync`` (on by default) also carries it
across a power cut, at the cost of one disk flush per write.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class SavedState:
    """What a checkpoint holds: the windows' snapshot and the outbox."""

    windows: dict[str, Any] | None = None
    outbox: list[str] = field(default_factory=list)


class Checkpoint:
    """Reads and writes one state file atomically."""

    def __init__(self, path: Path, fsync: bool = True) -> None:
        self.path = path
        self.fsync = fsync
        self.writes = 0

    def load(self) -> SavedState:
        """The saved state, or an empty one when there is none or it is unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return SavedState()
        except (OSError, UnicodeDecodeError) as error:
            self.set_aside(f"unreadable: {error}")
            return SavedState()
        try:
            data = json.loads(text)
            outbox = data.get("outbox", [])
            if not isinstance(outbox, list) or not all(isinstance(i, str) for i in outbox):
                raise ValueError("outbox is not a list of messages")
            windows = data.get("windows")
            if windows is not None and not isinstance(windows, dict):
                raise ValueError("windows is not an object")
            return SavedState(windows=windows, outbox=outbox)
        except (ValueError, AttributeError, RecursionError) as error:
            self.set_aside(f"not a state file: {error}")
            return SavedState()

    def set_aside(self, reason: str) -> None:
        """Move a state file that cannot be trusted out of the way, keeping it for people."""
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, aside)
        except OSError as error:
            logger.error("state file %s is %s; it cannot be moved aside (%s) and is ignored",
                         self.path, reason, error.strerror or error)
            return
        logger.error("state file %s is %s; moved to %s, starting empty", self.path, reason, aside)

    def save(self, state: SavedState) -> None:
        """Replace the state file with ``state``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        payload = json.dumps({"windows": state.windows, "outbox": state.outbox})
        with temporary.open("w", encoding="utf-8") as stream:
            stream.write(payload)
            if self.fsync:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, self.path)
        self.writes += 1
