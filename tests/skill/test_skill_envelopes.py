"""Every Alexa request envelope in tests/fixtures/alexa, through the whole skill (S02).

The skill reads a real (moto) Kinesis stream on 127.0.0.1 holding one camera's
windows: a current one ten seconds before the request, and an older one with
a cat in it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from ask_sdk_runtime.exceptions import AskSdkException

from seesay_skill import speech
from seesay_skill.settings import Settings
from seesay_skill.skill import build_skill, invoke

CURRENT_OBJECTS = {
    "person": (15, 3),
    "chair": (12, 2),
    "cup": (10, 2),
    "laptop": (8, 1),
    "tv": (6, 1),
    "dog": (5, 1),
    "couch": (4, 1),
}
WHAT_I_SEE = (
    "I see three people, two chairs, two cups, a laptop, a TV and two other things, "
    "as of ten seconds ago. Say what else to hear the rest."
)
ASK_WHICH = "Which thing? For example, ask:"

# fixture -> (expected speech, or its start when it ends in "...", session ends?)
EXPECTED: dict[str, tuple[str, bool]] = {
    "launch_request": (speech.WELCOME, False),
    "what_do_you_see": (WHAT_I_SEE, False),
    "what_do_you_see_old_name": (WHAT_I_SEE, False),
    "what_else": ("I also see a dog and a couch.", True),
    "what_else_without_question": (speech.NOTHING_ASKED, False),
    "yes_to_the_rest": ("I also see a couch.", True),
    "no_to_the_rest": (speech.GOODBYE, True),
    "do_you_see_sofa": ("Yes, I see a couch, as of ten seconds ago.", True),
    "do_you_see_dogs_unresolved": ("Yes, I see a dog, as of ten seconds ago.", True),
    "do_you_see_unicorn": ("No, I don't see a unicorn right now.", True),
    "do_you_see_no_value": (ASK_WHICH + " do you see a dog?", False),
    "how_many_people": ("I see three people, as of ten seconds ago.", True),
    "how_many_bicycles": ("I don't see any bicycles right now.", True),
    "how_many_no_value": (ASK_WHICH + " how many people do you see?", False),
    "last_seen_cat": ("I last saw a cat nine minutes ago.", True),
    "last_seen_person": ("I can see a person right now.", True),
    "last_seen_giraffe": ("I haven't seen a giraffe in the last fifteen minutes.", True),
    "last_seen_no_value": (ASK_WHICH + " when did you last see a cat?", False),
    "help": (speech.HELP, False),
    "stop": (speech.GOODBYE, True),
    "cancel": (speech.GOODBYE, True),
    "navigate_home": (speech.GOODBYE, True),
    "fallback": (speech.FALLBACK, False),
    "unknown_intent": (speech.FALLBACK, False),
}
SILENT = ("session_ended", "session_ended_error")


@pytest.fixture
def scene_stream(make_stream, put_window, window, request_time) -> str:
    stream = make_stream(1)
    put_window(
        stream,
        window(
            end=request_time - timedelta(minutes=9, seconds=50),
            objects={"cat": (3, 1), "person": (2, 1)},
        ),
    )
    put_window(stream, window(objects=CURRENT_OBJECTS))
    return stream


@pytest.fixture
def skill(scene_stream: str, kinesis: Any, skill_id: str):
    return build_skill(Settings(skill_id=skill_id, stream_name=scene_stream), kinesis)


def check_shape(response: dict[str, Any]) -> None:
    """What Alexa requires of every response envelope."""
    assert response["version"] == "1.0"
    body = response["response"]
    speech_out = body["outputSpeech"]
    assert speech_out["type"] == "PlainText"
    assert isinstance(speech_out["text"], str) and 0 < len(speech_out["text"]) <= 600
    assert "<" not in speech_out["text"] and "&" not in speech_out["text"]
    assert isinstance(body["shouldEndSession"], bool)
    if body["shouldEndSession"]:
        assert "reprompt" not in body
    else:
        assert body["reprompt"]["outputSpeech"]["type"] == "PlainText"
        assert body["reprompt"]["outputSpeech"]["text"]


def test_every_fixture_has_an_expectation(alexa_fixtures) -> None:
    names = {path.stem for path in alexa_fixtures.glob("*.json")}
    assert names == set(EXPECTED) | set(SILENT) | {"wrong_skill_id"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_envelope_answer(name: str, skill, envelope) -> None:
    text, ends = EXPECTED[name]

    response = invoke(skill, envelope(name))

    check_shape(response)
    spoken = response["response"]["outputSpeech"]["text"]
    assert spoken == text
    assert response["response"]["shouldEndSession"] is ends


@pytest.mark.parametrize("name", SILENT)
def test_session_ended_gets_an_empty_response(name: str, skill, envelope) -> None:
    response = invoke(skill, envelope(name))

    assert response["version"] == "1.0"
    assert "outputSpeech" not in response["response"]
    assert "reprompt" not in response["response"]


def test_what_do_you_see_keeps_the_rest_for_what_else(skill, envelope) -> None:
    response = invoke(skill, envelope("what_do_you_see"))

    assert response["sessionAttributes"]["rest"] == [["dog", 1, 5], ["couch", 1, 4]]
    assert response["response"]["reprompt"]["outputSpeech"]["text"] == speech.MORE_REPROMPT


def test_a_request_for_another_skill_is_refused(skill, envelope) -> None:
    with pytest.raises(AskSdkException, match="Skill ID Verification failed"):
        invoke(skill, envelope("wrong_skill_id"))


def test_tampered_session_attributes_are_ignored(skill, envelope) -> None:
    request = envelope("what_else")
    request["session"]["attributes"]["rest"] = [
        ["<speak>boom</speak>", 2, 1],
        ["dog", "lots", 1],
        "not a list",
        [None, 1, 1],
    ]

    response = invoke(skill, request)

    check_shape(response)
    assert response["response"]["outputSpeech"]["text"] == "I also see two booms."


@pytest.mark.parametrize(
    ("objects", "status", "frames", "age_s", "text"),
    [
        ({}, "online", 20, 10, "I don't see anything right now."),
        ({}, "offline", 0, 10, "The camera is offline."),
        ({}, "online", 0, 10, "The camera is offline."),
        ({"dog": (4, 2)}, "online", 20, 300, "I haven't heard from the camera for five minutes."),
        ({"dog": (4, 2)}, "online", 20, 60, "I see two dogs, as of a minute ago."),
    ],
)
def test_nothing_seen_is_not_camera_off(
    objects, status, frames, age_s, text, make_stream, put_window, window, kinesis, envelope,
    request_time, skill_id,
) -> None:
    stream = make_stream(1)
    end = request_time - timedelta(seconds=age_s)
    put_window(stream, window(end=end, objects=objects, frames=frames, status=status))
    skill = build_skill(Settings(skill_id=skill_id, stream_name=stream), kinesis)

    response = invoke(skill, envelope("what_do_you_see"))

    check_shape(response)
    assert response["response"]["outputSpeech"]["text"] == text


def test_no_camera_at_all(make_stream, kinesis, envelope, skill_id) -> None:
    stream = make_stream(1)
    skill = build_skill(Settings(skill_id=skill_id, stream_name=stream), kinesis)

    response = invoke(skill, envelope("what_do_you_see"))

    check_shape(response)
    assert response["response"]["outputSpeech"]["text"] == (
        "I haven't heard from any camera in the last fifteen minutes."
    )


def test_a_missing_stream_is_said_plainly(kinesis, envelope, skill_id) -> None:
    skill = build_skill(Settings(skill_id=skill_id, stream_name="no-such-stream"), kinesis)

    response = invoke(skill, envelope("what_do_you_see"))

    check_shape(response)
    assert response["response"]["outputSpeech"]["text"] == speech.STREAM_UNAVAILABLE
    assert response["response"]["shouldEndSession"] is True
