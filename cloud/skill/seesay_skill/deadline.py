"""The time an answer must be ready by.

Alexa waits eight seconds for a skill. The Lambda context says how long the
function itself has left; the skill stops reading the stream a safety margin
before that, so there is always time to turn what it has into speech (S01).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Time kept back for building and returning the response after reading stops.
SAFETY_MARGIN_S = 1.5
# Reading budget when the context cannot say how long is left (local invocation).
DEFAULT_BUDGET_S = 6.0
# Never read for longer than this, whatever the Lambda timeout is set to.
MAX_BUDGET_S = 6.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class Deadline:
    """A point on a monotonic clock; ``clock`` is the clock it is measured on."""

    at: float
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now on ``clock``."""
        return cls(clock() + max(0.0, seconds), clock)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - self.clock())

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock() >= self.at


def answer_deadline(context: Any, clock: Clock = time.monotonic) -> Deadline:
    """The deadline for reading, from a Lambda context (or None locally).

    The budget is the context's remaining time less :data:`SAFETY_MARGIN_S`,
    capped at :data:`MAX_BUDGET_S`; a context without
    ``get_remaining_time_in_millis`` gets :data:`DEFAULT_BUDGET_S`.
    """
    remaining_ms = _remaining_millis(context)
    if remaining_ms is None:
        budget = DEFAULT_BUDGET_S
    else:
        budget = remaining_ms / 1000.0 - SAFETY_MARGIN_S
    return Deadline.after(min(budget, MAX_BUDGET_S), clock)


def _remaining_millis(context: Any) -> float | None:
    method = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(method):
        return None
    try:
        remaining = method()
    except Exception:  # noqa: BLE001 - a local stand-in context may do anything
        return None
    if isinstance(remaining, bool) or not isinstance(remaining, (int, float)):
        return None
    return float(remaining)
