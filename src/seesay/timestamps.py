"""Event times as the whole system sees them: timezone-aware UTC.

Frames, windows and Kinesis records all carry ISO-8601 strings. Producers may
write any offset; everything inside the system compares aware UTC datetimes,
so two strings for the same instant are the same time.
"""

from __future__ import annotations

from datetime import datetime, timezone


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp that carries an offset, returning aware UTC.

    A timestamp without an offset is refused: guessing the zone of a camera's
    clock is how windows end up an hour off.
    """
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, got {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as error:
        raise ValueError(f"timestamp {text!r} is not ISO-8601") from error
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset")
    return moment.astimezone(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    """Format an aware datetime as ISO-8601 UTC with milliseconds and a Z."""
    if moment.tzinfo is None:
        raise ValueError("refusing to format a naive datetime")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(timezone.utc)


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from seconds since the epoch."""
    return datetime.fromtimestamp(seconds, timezone.utc)
