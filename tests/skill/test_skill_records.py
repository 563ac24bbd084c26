"""Decoding a Kinesis record's Data (K04)."""

from __future__ import annotations

import base64
import json

import pytest

from seesay_skill.records import decode_record_data

FIRST = {"device": "a", "n": 1}
SECOND = {"device": "b", "n": 2}


def test_bytes_from_boto3_are_not_base64_decoded_again() -> None:
    data = json.dumps(FIRST).encode()

    decoded = decode_record_data(data)

    assert decoded.messages == (FIRST,)
    assert decoded.unreadable == 0


def test_bytes_that_happen_to_be_valid_base64_are_still_read_as_json() -> None:
    # "e30=" is base64 for "{}": as bytes from boto3 it is not JSON, and must not be decoded.
    assert decode_record_data(b"e30=").messages == ()
    assert decode_record_data(b"e30=").unreadable == 1


def test_base64_text_from_a_lambda_event_is_decoded() -> None:
    data = base64.b64encode(json.dumps(FIRST).encode()).decode()

    assert decode_record_data(data).messages == (FIRST,)


def test_plain_json_text_is_read_as_is() -> None:
    assert decode_record_data(json.dumps(FIRST)).messages == (FIRST,)


@pytest.mark.parametrize(
    "joiner", ["", "\n", " \r\n\t "], ids=["back-to-back", "newline", "whitespace"]
)
def test_several_objects_in_one_record(joiner: str) -> None:
    data = joiner.join([json.dumps(FIRST), json.dumps(SECOND)]).encode()

    decoded = decode_record_data(data)

    assert decoded.messages == (FIRST, SECOND)
    assert decoded.unreadable == 0


@pytest.mark.parametrize(
    ("data", "messages", "unreadable"),
    [
        (b"not json", (), 1),
        (b"\xff\xfe\x00garbage", (), 1),
        (b"", (), 1),
        (b"   \n", (), 1),
        (b"[1, 2]", (), 1),
        (b'"text"', (), 1),
        (json.dumps(FIRST).encode() + b"{broken", (FIRST,), 1),
        (json.dumps(FIRST).encode() + b"42" + json.dumps(SECOND).encode(), (FIRST, SECOND), 1),
        ("!!!not base64 and not json", (), 1),
    ],
)
def test_unreadable_parts_are_counted_not_fatal(data, messages, unreadable) -> None:
    decoded = decode_record_data(data)

    assert decoded.messages == messages
    assert decoded.unreadable == unreadable
