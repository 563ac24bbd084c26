"""Turning a Kinesis record's Data into the JSON objects it carries (K04).

boto3 hands ``Data`` over as bytes that are already base64-decoded; a Lambda
Kinesis event hands it over as base64 text. A producer may also put several
JSON objects into one record, back to back or one per line. Whatever cannot
be read as a JSON object is counted, never fatal.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class DecodedData:
    """The JSON objects found in one record, and how many parts were unreadable."""

    messages: tuple[dict[str, Any], ...]
    unreadable: int


def decode_record_data(data: bytes | bytearray | str) -> DecodedData:
    """Decode a record's ``Data``: bytes as boto3 gives it, or base64 text from an event.

    Returns every JSON object found, in order. Text that is not JSON ends the
    record (the rest cannot be resynchronised) and counts as one unreadable part;
    a JSON value that is not an object counts as one unreadable part and is skipped.
    Text that is not base64 is read as JSON text itself: a JSON object starts with
    ``{``, which base64 never contains, so the two cannot be confused.
    """
    if isinstance(data, str):
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return split_json_objects(data)
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return DecodedData((), 1)
    return split_json_objects(text)


def split_json_objects(text: str) -> DecodedData:
    """Every JSON object in ``text``, which may hold several back to back."""
    messages: list[dict[str, Any]] = []
    unreadable = 0
    position = _skip_whitespace(text, 0)
    while position < len(text):
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError:
            unreadable += 1
            break
        if isinstance(value, dict):
            messages.append(value)
        else:
            unreadable += 1
        position = _skip_whitespace(text, position)
    if not messages and not unreadable:
        unreadable = 1  # an empty record carries nothing the skill can use
    return DecodedData(tuple(messages), unreadable)


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position
