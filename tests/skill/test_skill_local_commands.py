"""``seesay ask`` and ``seesay skill invoke``: the skill's handler run on a laptop.

Every test reads a stream on the suite's moto server on 127.0.0.1, recorded as a
running local stack's in a temporary state folder; nothing else is ever reached.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from seesay.ask import SESSION_FILE, ask
from seesay.cli import main
from seesay.invoke import SkillRefused, envelope_problems, invoke_handler
from seesay.stream_target import AWS, ENDPOINT, LOCAL_STACK, choose_target

LOCAL = {
    "stream_name": "seesay-windows",
    "kinesis_endpoint": "http://127.0.0.1:4567",
    "environment": {"KINESIS_ENDPOINT_URL": "http://127.0.0.1:4567"},
}


@pytest.mark.parametrize(
    ("environ", "endpoints", "aws", "kind"),
    [
        ({}, None, False, None),
        ({}, LOCAL, False, LOCAL_STACK),
        ({}, LOCAL, True, AWS),
        ({"STREAM_NAME": "windows", "AWS_PROFILE": "home"}, None, False, AWS),
        ({"STREAM_NAME": "windows", "AWS_PROFILE": "home"}, LOCAL, False, LOCAL_STACK),
        ({"STREAM_NAME": "windows"}, None, False, None),
        ({"AWS_ACCESS_KEY_ID": "AKIA"}, None, False, None),
        ({"KINESIS_ENDPOINT_URL": "http://127.0.0.1:9"}, LOCAL, False, ENDPOINT),
    ],
    ids=["nothing", "local-stack", "aws-flag-wins", "aws-from-environment",
         "running-stack-before-credentials", "stream-without-credentials",
         "credentials-without-stream", "explicit-endpoint"],
)
def test_which_stream_the_commands_read(environ, endpoints, aws, kind) -> None:
    target = choose_target(environ, endpoints, aws=aws)

    assert (target.kind if target else None) == kind
    if kind == LOCAL_STACK:
        assert target.environment == LOCAL["environment"]
    elif target is not None:
        assert target.environment == {}  # the environment is used as it is


def test_ask_answers_from_the_local_stack(
    local_stack_stream, put_window, recent_window, capsys
) -> None:
    put_window(local_stack_stream, recent_window(objects={"dog": (4, 2)}))

    assert main(["ask", "do you see a dog?"]) == 0

    # Alexa stamps requests to the second: a window ten seconds old may be nine.
    assert re.fullmatch(
        r"Yes, I see two dogs, as of (nine|ten) seconds ago\.", capsys.readouterr().out.strip()
    )


def test_ask_sends_a_real_envelope_with_the_resolved_slot(local_stack_stream) -> None:
    answer = ask("how many televisions do you see")

    intent = answer.request["request"]["intent"]
    assert intent["name"] == "HowManyIntent"
    resolution = intent["slots"]["object"]["resolutions"]["resolutionsPerAuthority"][0]
    assert resolution["values"][0]["value"]["name"] == "tv"
    assert answer.response["version"] == "1.0"


@pytest.mark.parametrize(
    ("utterance", "speech"),
    [
        ("Alexa, open see say", "Welcome to see say. Ask me what I see."),
        ("what's the weather in Paris", "Sorry, I can't help with that."),
        ("help", "I tell you what the camera sees."),
        ("stop", "Goodbye."),
    ],
)
def test_ask_without_the_stream(local_stack_stream, utterance, speech, capsys) -> None:
    assert main(["ask", utterance, "--new-session"]) == 0

    assert capsys.readouterr().out.startswith(speech)


def test_ask_continues_an_open_session(
    local_stack_stream, put_window, recent_window, state_dir, capsys
) -> None:
    labels = ["person", "chair", "cup", "bottle", "book", "tv", "laptop"]
    objects = {label: (10 - index, 1) for index, label in enumerate(labels)}
    put_window(local_stack_stream, recent_window(objects=objects))

    main(["ask", "what do you see"])
    assert (state_dir / SESSION_FILE).is_file()
    main(["ask", "what else"])
    assert not (state_dir / SESSION_FILE).exists()

    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith("I see a person, a chair, a cup, a bottle, a book")
    assert first.endswith("Say what else to hear the rest.")
    assert second == "I also see a TV and a laptop."


def test_a_new_session_forgets_the_open_one(
    local_stack_stream, put_window, recent_window, capsys
) -> None:
    objects = {label: (2, 1) for label in ["person", "chair", "cup", "bottle", "book", "tv"]}
    put_window(local_stack_stream, recent_window(objects=objects))

    main(["ask", "what do you see"])
    main(["ask", "what else", "--new-session"])

    assert capsys.readouterr().out.strip().splitlines()[1] == "Ask me what I see first."


def test_ask_only_about_the_named_device(
    local_stack_stream, put_window, recent_window, capsys
) -> None:
    put_window(local_stack_stream, recent_window(device="porch-pi", objects={"cat": (3, 1)}))
    put_window(local_stack_stream, recent_window(device="garage-pi", objects={"car": (3, 1)}))

    main(["ask", "what do you see", "--device", "garage-pi"])

    assert re.fullmatch(r"I see a car, as of (nine|ten) seconds ago\.",
                        capsys.readouterr().out.strip())


def test_ask_with_no_stream_says_how_to_start_the_local_stack(state_dir, capsys) -> None:
    assert main(["ask", "what do you see"]) == 2

    assert "seesay localstack" in capsys.readouterr().err


def test_ask_in_a_locale_the_skill_lacks(local_stack_stream, capsys) -> None:
    assert main(["ask", "was siehst du", "--locale", "fr-FR"]) == 2

    error = capsys.readouterr().err
    assert "fr-FR" in error and "en-US" in error


def test_ask_with_nothing_said(local_stack_stream, capsys) -> None:
    assert main(["ask", "  "]) == 2
    assert "say something" in capsys.readouterr().err


def test_ask_with_a_malformed_skill_id_is_refused(local_stack_stream, monkeypatch, capsys):
    monkeypatch.setenv("SKILL_ID", "my-skill")

    assert main(["ask", "what do you see"]) == 1

    assert "SKILL_ID" in capsys.readouterr().err


def test_skill_invoke_prints_the_response_envelope(
    local_stack_stream, monkeypatch, skill_id, put_window, window, alexa_fixtures, capsys
) -> None:
    monkeypatch.setenv("SKILL_ID", skill_id)
    put_window(local_stack_stream, window(objects={"dog": (4, 2)}))

    assert main(["skill", "invoke", str(alexa_fixtures / "what_do_you_see.json")]) == 0

    response = json.loads(capsys.readouterr().out)
    assert response["version"] == "1.0"
    assert response["response"]["outputSpeech"] == {
        "type": "PlainText", "text": "I see two dogs, as of ten seconds ago."
    }


def test_skill_invoke_answers_every_fixture_but_another_skills(
    local_stack_stream, monkeypatch, skill_id, alexa_fixtures, capsys
) -> None:
    monkeypatch.setenv("SKILL_ID", skill_id)

    for fixture in sorted(alexa_fixtures.glob("*.json")):
        status = main(["skill", "invoke", str(fixture)])
        out, err = capsys.readouterr()

        if fixture.stem == "wrong_skill_id":
            assert status == 1 and not out
            assert "amzn1.ask.skill.00000000-1111-2222-3333-444444444444" in err
            assert f"SKILL_ID is {skill_id}" in err
        else:
            assert status == 0, (fixture.name, err)
            assert json.loads(out)["version"] == "1.0"


def test_skill_invoke_reads_standard_input(
    local_stack_stream, monkeypatch, skill_id, envelope, capsys
) -> None:
    monkeypatch.setenv("SKILL_ID", skill_id)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(envelope("launch_request"))))

    assert main(["skill", "invoke", "-"]) == 0

    speech = json.loads(capsys.readouterr().out)["response"]["outputSpeech"]["text"]
    assert speech == "Welcome to see say. Ask me what I see."


def test_skill_invoke_without_a_skill_id_is_refused(
    local_stack_stream, alexa_fixtures, capsys
) -> None:
    assert main(["skill", "invoke", str(alexa_fixtures / "launch_request.json")]) == 1

    out, err = capsys.readouterr()
    assert not out
    assert "refused" in err and "SKILL_ID is not set" in err


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda request: [request], "a request envelope is a JSON object, not list"),
        (lambda request: {}, "no version; no request"),
        (lambda request: {**request, "request": {"type": "LaunchRequest"}},
         "no request.requestId; no request.timestamp"),
        (lambda request: {**request, "context": {}}, "no context.System.application.applicationId"),
        (lambda request: {**request, "request": {**request["request"], "timestamp": "yesterday"}},
         "the ASK SDK cannot read the request"),
        (lambda request: {**request, "request": {**request["request"], "type": "Nonsense"}},
         "the ASK SDK cannot read the request"),
    ],
    ids=["list", "empty", "bare-request", "no-application", "bad-timestamp", "unknown-type"],
)
def test_skill_invoke_refuses_malformed_envelopes(
    local_stack_stream, monkeypatch, skill_id, envelope, tmp_path, change, reason, capsys
) -> None:
    monkeypatch.setenv("SKILL_ID", skill_id)
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(change(envelope("launch_request"))))

    assert main(["skill", "invoke", str(request_file)]) == 1

    assert reason in capsys.readouterr().err


def test_skill_invoke_with_a_file_that_is_not_json(local_stack_stream, tmp_path, capsys):
    request_file = tmp_path / "request.json"
    request_file.write_text("LaunchRequest")

    assert main(["skill", "invoke", str(request_file)]) == 2
    assert "is not JSON" in capsys.readouterr().err
    assert main(["skill", "invoke", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_handler_runs_with_the_target_environment_and_leaves_it(
    local_stack_stream, skill_id, envelope, monkeypatch
) -> None:
    import os

    monkeypatch.setenv("STREAM_NAME", "someone-elses")
    response = invoke_handler(envelope("launch_request"), {"SKILL_ID": skill_id})

    assert response["response"]["shouldEndSession"] is False
    assert "SKILL_ID" not in os.environ
    assert os.environ["STREAM_NAME"] == "someone-elses"


def test_envelope_problems_of_a_real_envelope(envelope) -> None:
    assert envelope_problems(envelope("what_do_you_see")) == []
    with pytest.raises(SkillRefused, match="not an Alexa request envelope"):
        invoke_handler("LaunchRequest")
