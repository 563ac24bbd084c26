"""The Lambda entry point: ``seesay_skill.lambda_function.lambda_handler``.

The settings are read from the environment (see :mod:`seesay_skill.settings`)
on every request, which costs microseconds; the skill built for them on the
first request of a cold start is reused while they stay the same. In Lambda
they always do; a local process that changes the environment between requests
(a demo restarting its stack) gets a skill for the new settings. A missing or
malformed ``SKILL_ID`` makes every request fail with a SettingsError naming it; a request
whose application id is not ``SKILL_ID`` is refused by the SDK with
AskSdkException ("Skill ID Verification failed"). Neither is ever answered.

``context`` may be a Lambda context, None, or any object: without
``get_remaining_time_in_millis`` the skill reads for a default budget.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from seesay_skill.settings import Settings
from seesay_skill.skill import skill_builder

logger = logging.getLogger(__name__)

_LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
logging.getLogger("seesay_skill").setLevel(
    _LOG_LEVEL if _LOG_LEVEL in logging.getLevelNamesMapping() else logging.INFO
)


@functools.lru_cache(maxsize=4)
def _handler_for(settings: Settings) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    logger.info(
        "skill ready: stream %s, %s, look-back %.0f s",
        settings.stream_name,
        f"devices {', '.join(sorted(settings.devices))}" if settings.devices else "all devices",
        settings.lookback_seconds,
    )
    return skill_builder(settings).lambda_handler()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope."""
    return _handler_for(Settings.from_environment())(event, context)
