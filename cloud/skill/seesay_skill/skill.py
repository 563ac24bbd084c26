"""Putting the skill together: settings, stream reader, handlers, interceptors.

:func:`build_skill` is what the Lambda entry point, the tests and the demo
share; :func:`invoke` runs one request envelope through a skill exactly as
``SkillBuilder.lambda_handler()`` does (deserialise, verify the skill id,
dispatch, serialise with the SDK's DefaultSerializer).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope
from botocore.config import Config

from seesay.timestamps import utc_now
from seesay_skill.handlers import ErrorHandler, request_handlers
from seesay_skill.interceptors import RequestTimingInterceptor, ResponseLogInterceptor
from seesay_skill.scene import SceneSource
from seesay_skill.settings import Settings
from seesay_skill.stream_reader import StreamReader

# One attempt per call, short timeouts: the reader retries within its own deadline.
KINESIS_CLIENT_CONFIG = Config(
    connect_timeout=1.0,
    read_timeout=2.0,
    retries={"mode": "standard", "total_max_attempts": 1},
)


def make_kinesis_client(settings: Settings) -> Any:
    """A boto3 Kinesis client for the settings' region and endpoint."""
    return boto3.client(
        "kinesis",
        region_name=settings.region,
        endpoint_url=settings.kinesis_endpoint_url,
        config=KINESIS_CLIENT_CONFIG,
    )


def skill_builder(
    settings: Settings,
    kinesis_client: Any = None,
    clock: Callable[[], datetime] | None = None,
    *,
    reader: StreamReader | None = None,
) -> SkillBuilder:
    """A SkillBuilder with every handler registered and the skill id to verify.

    ``kinesis_client`` defaults to one built from ``settings``; ``clock`` (aware
    UTC wall clock) to the real one; ``reader`` to a StreamReader on that client.
    """
    clock = clock or utc_now
    if reader is None:
        if kinesis_client is None:
            kinesis_client = make_kinesis_client(settings)
        reader = StreamReader(kinesis_client, settings.stream_name, settings.devices)
    source = SceneSource(reader, settings.lookback_seconds, settings.stale_seconds, clock)

    builder = SkillBuilder()
    builder.skill_id = settings.skill_id
    for handler in request_handlers(source):
        builder.add_request_handler(handler)
    builder.add_exception_handler(ErrorHandler())
    builder.add_global_request_interceptor(RequestTimingInterceptor(clock))
    builder.add_global_response_interceptor(ResponseLogInterceptor())
    return builder


def build_skill(
    settings: Settings,
    kinesis_client: Any = None,
    clock: Callable[[], datetime] | None = None,
    *,
    reader: StreamReader | None = None,
) -> CustomSkill:
    """The skill, ready for :func:`invoke`; arguments as for :func:`skill_builder`."""
    return skill_builder(settings, kinesis_client, clock, reader=reader).create()


def invoke(skill: CustomSkill, envelope: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Run one request envelope (a dict, as Lambda receives it) and return the response dict.

    A request for another skill raises the SDK's AskSdkException, as in Lambda.
    """
    request_envelope = skill.serializer.deserialize(
        payload=json.dumps(envelope), obj_type=RequestEnvelope
    )
    response_envelope = skill.invoke(request_envelope=request_envelope, context=context)
    return skill.serializer.serialize(response_envelope)
