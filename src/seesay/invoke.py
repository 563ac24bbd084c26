"""Running the skill's Lambda entry point in this process, as Lambda would.

The handler reads its settings from the environment on every request, so the
variables that point it at a stream are set for the call and restored after.
A request the skill will not answer raises :class:`SkillRefused`, with a
sentence that says why: no ``SKILL_ID`` or a malformed one, a request for
another skill, an envelope the ASK SDK cannot read, or a document that is not
shaped like an Alexa request envelope at all.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ask_sdk_runtime.exceptions import AskSdkException

from seesay_skill.lambda_function import lambda_handler
from seesay_skill.settings import SettingsError

# The skill's Lambda timeout in cloud/template.yaml: what a real invocation has left.
DEFAULT_BUDGET_MS = 7000


class SkillRefused(Exception):
    """The skill did not answer the request; the text says why."""


class EnvelopeError(ValueError):
    """A request file that cannot be read as JSON."""


class LocalLambdaContext:
    """The part of the Lambda context the skill reads: the time left, counting down."""

    function_name = "seesay-skill"

    def __init__(
        self, budget_ms: float = DEFAULT_BUDGET_MS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._monotonic = monotonic
        self._ends = monotonic() + budget_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the invocation would time out, never negative."""
        return max(0, int((self._ends - self._monotonic()) * 1000))


def read_envelope(path: str) -> Any:
    """The JSON document in ``path`` (``-`` reads standard input)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise EnvelopeError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return json.loads(text)
    except ValueError as error:
        raise EnvelopeError(f"{path} is not JSON: {error}") from error


def envelope_problems(envelope: Any) -> list[str]:
    """What keeps ``envelope`` from being an Alexa request envelope; empty when nothing."""
    if not isinstance(envelope, dict):
        return [f"a request envelope is a JSON object, not {type(envelope).__name__}"]
    problems = []
    if not isinstance(envelope.get("version"), str):
        problems.append("no version")
    request = envelope.get("request")
    if not isinstance(request, dict):
        problems.append("no request")
    else:
        problems.extend(
            f"no request.{name}"
            for name in ("type", "requestId", "timestamp")
            if not isinstance(request.get(name), str)
        )
    if application_id(envelope) is None:
        problems.append("no context.System.application.applicationId")
    return problems


def application_id(envelope: Any) -> str | None:
    """The skill id a request envelope is addressed to, if it names one."""
    node = envelope
    for key in ("context", "System", "application", "applicationId"):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else None


@contextmanager
def applied_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` in ``os.environ`` for the duration, then put back what was there."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def skill_log_level(level: int) -> Iterator[None]:
    """Log the skill at ``level`` for the duration (Lambda logs it at INFO)."""
    skill_logger = logging.getLogger("seesay_skill")
    saved = skill_logger.level
    skill_logger.setLevel(level)
    try:
        yield
    finally:
        skill_logger.setLevel(saved)


def invoke_handler(
    envelope: Any,
    environment: Mapping[str, str] | None = None,
    budget_ms: float = DEFAULT_BUDGET_MS,
) -> dict[str, Any]:
    """The skill's response envelope for ``envelope``, with ``environment`` applied.

    Raises SkillRefused when the skill does not answer.
    """
    problems = envelope_problems(envelope)
    if problems:
        raise SkillRefused(f"not an Alexa request envelope: {'; '.join(problems)}")

    with applied_environment(environment or {}):
        skill_id = os.environ.get("SKILL_ID", "").strip()
        try:
            return lambda_handler(envelope, LocalLambdaContext(budget_ms))
        except SettingsError as error:
            raise SkillRefused(f"the skill is not configured: {error}") from error
        except AskSdkException as error:
            addressed_to = application_id(envelope)
            if addressed_to != skill_id:
                raise SkillRefused(
                    f"the request is for skill {addressed_to}, but SKILL_ID is {skill_id}"
                ) from error
            raise SkillRefused(f"the ASK SDK cannot read the request: {error}") from error
