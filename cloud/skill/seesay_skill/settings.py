"""The skill's configuration, read once from the Lambda environment.

Every setting has a default except ``SKILL_ID``: a skill that does not know its
own id cannot verify that a request was meant for it, so a missing or malformed
``SKILL_ID`` is a :class:`SettingsError` naming the variable, raised when the
skill is built (the first request of a cold start). No request is ever answered
unverified.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

SKILL_ID_PREFIX = "amzn1.ask.skill."


class SettingsError(ValueError):
    """A setting that is missing or malformed; the text names the variable."""


@dataclass(frozen=True)
class Settings:
    """What the skill needs to know about its deployment."""

    skill_id: str = field(
        metadata={"env": "SKILL_ID", "doc": "Alexa skill id; requests for any other are refused."}
    )
    stream_name: str = field(
        default="seesay-windows",
        metadata={"env": "STREAM_NAME", "doc": "Kinesis stream the IoT rule writes windows to."},
    )
    devices: frozenset[str] = field(
        default=frozenset(),
        metadata={
            "env": "SEESAY_DEVICES",
            "doc": "Thing names the skill may speak about (comma-separated); empty means all.",
        },
    )
    kinesis_endpoint_url: str | None = field(
        default=None,
        metadata={
            "env": "KINESIS_ENDPOINT_URL",
            "doc": "Kinesis endpoint override; the local stack points it at its own server.",
        },
    )
    region: str = field(
        default="us-east-1",
        metadata={"env": "AWS_REGION", "doc": "AWS region of the stream (or AWS_DEFAULT_REGION)."},
    )
    lookback_seconds: float = field(
        default=900.0,
        metadata={"env": "LOOKBACK_SECONDS", "doc": "How far back in the stream to read."},
    )
    stale_seconds: float = field(
        default=120.0,
        metadata={
            "env": "STALE_SECONDS",
            "doc": "A camera whose newest window ended longer ago than this is not current.",
        },
    )

    def __post_init__(self) -> None:
        if not self.skill_id.startswith(SKILL_ID_PREFIX):
            raise SettingsError(
                f"SKILL_ID must be the skill's id ({SKILL_ID_PREFIX}...), got {self.skill_id!r}"
            )
        if not self.stream_name:
            raise SettingsError("STREAM_NAME is empty")
        if self.lookback_seconds <= 0:
            raise SettingsError(f"LOOKBACK_SECONDS must be positive, got {self.lookback_seconds}")
        if self.stale_seconds <= 0:
            raise SettingsError(f"STALE_SECONDS must be positive, got {self.stale_seconds}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default ``os.environ``).

        Raises SettingsError naming the first variable that is missing or malformed.
        """
        environ = os.environ if environ is None else environ
        skill_id = environ.get("SKILL_ID", "").strip()
        if not skill_id:
            raise SettingsError(
                "SKILL_ID is not set: the skill refuses to answer requests it cannot verify"
            )
        return cls(
            skill_id=skill_id,
            stream_name=environ.get("STREAM_NAME", "").strip() or "seesay-windows",
            devices=parse_devices(environ.get("SEESAY_DEVICES", "")),
            kinesis_endpoint_url=environ.get("KINESIS_ENDPOINT_URL", "").strip() or None,
            region=(
                environ.get("AWS_REGION", "").strip()
                or environ.get("AWS_DEFAULT_REGION", "").strip()
                or "us-east-1"
            ),
            lookback_seconds=_seconds(environ, "LOOKBACK_SECONDS", 900.0),
            stale_seconds=_seconds(environ, "STALE_SECONDS", 120.0),
        )

    def allows_device(self, device: str | None) -> bool:
        """Whether the skill may speak about ``device`` (a thing name)."""
        return not self.devices or device in self.devices


def parse_devices(text: str) -> frozenset[str]:
    """Thing names from a comma-separated list; blanks are ignored."""
    return frozenset(name.strip() for name in text.split(",") if name.strip())


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise SettingsError(f"{name} must be a number of seconds, got {text!r}")
    return seconds
