"""Where a running local stack can be reached, for the commands started after it.

``seesay localstack`` runs the stack in the foreground, writes its endpoints to
``localstack.json`` in the state folder (:func:`seesay.paths.state_dir`) and
removes the file when it stops. Commands started later (``seesay ask``,
``seesay skill invoke``, ``seesay run-component``) read the file to reach the
same broker and stream. A file left behind by a stack that died is recognised
by its process id and ignored.

The file (version 1)::

    {"version": 1, "pid": 4242, "started": "2026-12-04T12:00:00.000Z",
     "mqtt_url": "mqtt://127.0.0.1:41883",
     "kinesis_endpoint": "http://127.0.0.1:50123",
     "stream_name": "seesay-windows", "region": "us-east-1",
     "environment": {"SEESAY_TRANSPORT": "mqtt", "SEESAY_MQTT_URL": "...",
                     "KINESIS_ENDPOINT_URL": "...", "STREAM_NAME": "...", ...}}

``environment`` is what :meth:`LocalStack.environment` returns: the variables
that point a component or the skill at the stack.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from seesay.paths import state_dir
from seesay.timestamps import format_timestamp, utc_now

logger = logging.getLogger(__name__)

FILE_NAME = "localstack.json"
VERSION = 1
REQUIRED_KEYS = ("mqtt_url", "kinesis_endpoint", "stream_name", "environment")


class RunningStack(Protocol):
    """What :func:`write_endpoints` needs from a started stack."""

    @property
    def mqtt_url(self) -> str: ...

    @property
    def kinesis_endpoint(self) -> str: ...

    @property
    def stream_name(self) -> str: ...

    def environment(self) -> dict[str, str]: ...


def endpoints_path() -> Path:
    """The endpoints file: ``localstack.json`` in the state folder."""
    return state_dir() / FILE_NAME


def write_endpoints(stack: RunningStack, path: Path | None = None) -> Path:
    """Record a started stack's endpoints, owned by this process; returns the file.

    The file is replaced in one step, so a reader never sees half of it.
    """
    path = path or endpoints_path()
    environment = stack.environment()
    record = {
        "version": VERSION,
        "pid": os.getpid(),
        "started": format_timestamp(utc_now()),
        "mqtt_url": stack.mqtt_url,
        "kinesis_endpoint": stack.kinesis_endpoint,
        "stream_name": stack.stream_name,
        "region": environment.get("AWS_REGION", "us-east-1"),
        "environment": environment,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def read_endpoints(path: Path | None = None) -> dict[str, Any] | None:
    """The running stack's endpoints, or None when no stack is running.

    None also when the file is unreadable or its stack's process has gone; both
    are logged at WARNING with the file's name.
    """
    path = path or endpoints_path()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.warning("ignoring local stack file %s: %s", path, error)
        return None
    if not isinstance(record, dict) or any(key not in record for key in REQUIRED_KEYS):
        logger.warning("ignoring local stack file %s: not a version %d endpoints file", path,
                       VERSION)
        return None
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        logger.warning("ignoring local stack file %s: no process id", path)
        return None
    if not process_alive(pid):
        logger.warning("ignoring local stack file %s: its stack (pid %d) is not running",
                       path, pid)
        return None
    return record


def remove_endpoints(path: Path | None = None) -> None:
    """Remove the endpoints file if this process wrote it; another stack's file stays."""
    path = path or endpoints_path()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(record, dict) and record.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 only checks, it sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
