"""Behaviour every request shares: its instant, its deadline, one log line each way.

The request interceptor stores in the request attributes

- ``now``: the request's own timestamp (aware UTC), so a replayed request is
  answered about the moment it was made;
- ``deadline``: when reading must stop, from the Lambda context's remaining time;
- ``started``: a monotonic reading, for the response log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from seesay.timestamps import utc_now
from seesay_skill.deadline import Deadline, answer_deadline

logger = logging.getLogger(__name__)

NOW = "now"
DEADLINE = "deadline"
STARTED = "started"


def request_name(handler_input: HandlerInput) -> str:
    """The request type, or the intent name for an IntentRequest, for log lines."""
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        return str(request.intent.name)
    return str(getattr(request, "object_type", None) or type(request).__name__)


def request_time(handler_input: HandlerInput) -> datetime | None:
    """The request's timestamp as aware UTC, or None when it has none."""
    moment = getattr(handler_input.request_envelope.request, "timestamp", None)
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        # Alexa documents request.timestamp as UTC; a bare one is read as such.
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class RequestTimingInterceptor(AbstractRequestInterceptor):
    """Records the request's instant and reading deadline in the request attributes."""

    def __init__(
        self,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._monotonic = monotonic

    def process(self, handler_input: HandlerInput) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        attributes[STARTED] = self._monotonic()
        attributes[NOW] = request_time(handler_input) or self._clock()
        attributes[DEADLINE] = answer_deadline(handler_input.context, self._monotonic)
        logger.info(
            "request %s, %.1f s to answer",
            request_name(handler_input),
            attributes[DEADLINE].remaining(),
        )


class ResponseLogInterceptor(AbstractResponseInterceptor):
    """Logs one line per answered request: what, how long, whether the session ends."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        started = handler_input.attributes_manager.request_attributes.get(STARTED)
        elapsed_ms = (self._monotonic() - started) * 1000 if started is not None else 0.0
        logger.info(
            "answered %s in %.0f ms, session %s",
            request_name(handler_input),
            elapsed_ms,
            "ends" if response is not None and response.should_end_session else "stays open",
        )


def request_now(handler_input: HandlerInput) -> datetime:
    """The request's instant, as the timing interceptor recorded it."""
    now: Any = handler_input.attributes_manager.request_attributes.get(NOW)
    return now if isinstance(now, datetime) else utc_now()


def request_deadline(handler_input: HandlerInput) -> Deadline:
    """The reading deadline, as the timing interceptor recorded it."""
    deadline: Any = handler_input.attributes_manager.request_attributes.get(DEADLINE)
    return deadline if isinstance(deadline, Deadline) else answer_deadline(handler_input.context)
