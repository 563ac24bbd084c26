"""The Lambda entry point: configuration from the environment, any kind of context."""

from __future__ import annotations

import pytest

from seesay_skill import lambda_function
from seesay_skill.settings import SettingsError


@pytest.fixture
def environment(monkeypatch, moto_endpoint, make_stream, skill_id):
    stream = make_stream(1)
    for name, value in {
        "SKILL_ID": skill_id,
        "STREAM_NAME": stream,
        "KINESIS_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    lambda_function._handler_for.cache_clear()
    yield stream
    lambda_function._handler_for.cache_clear()


class SimpleContext:
    function_name = "seesay-skill"


@pytest.mark.parametrize("context", [None, SimpleContext()], ids=["none", "simple-object"])
def test_lambda_handler_answers_with_any_context(
    environment, put_window, window, envelope, context
) -> None:
    put_window(environment, window(objects={"dog": (4, 2)}))

    response = lambda_function.lambda_handler(envelope("what_do_you_see"), context)

    assert response["version"] == "1.0"
    assert response["response"]["outputSpeech"]["text"] == "I see two dogs, as of ten seconds ago."


def test_lambda_handler_refuses_without_a_skill_id(environment, monkeypatch, envelope) -> None:
    monkeypatch.delenv("SKILL_ID")
    lambda_function._handler_for.cache_clear()

    with pytest.raises(SettingsError, match="SKILL_ID"):
        lambda_function.lambda_handler(envelope("launch_request"), None)


def test_a_changed_environment_gets_a_skill_for_it(
    environment, monkeypatch, make_stream, put_window, window, envelope
) -> None:
    put_window(environment, window(objects={"dog": (4, 2)}))
    lambda_function.lambda_handler(envelope("what_do_you_see"), None)
    second = make_stream(1)
    put_window(second, window(objects={"cat": (4, 1)}))
    monkeypatch.setenv("STREAM_NAME", second)

    response = lambda_function.lambda_handler(envelope("what_do_you_see"), None)

    assert response["response"]["outputSpeech"]["text"] == "I see a cat, as of ten seconds ago."
