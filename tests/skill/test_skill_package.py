"""The skill package: manifest and interaction models, checked against the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentRequest, RequestEnvelope

from seesay_skill import handlers
from seesay_skill.labels import OBJECT_SYNONYMS

PACKAGE = Path(__file__).resolve().parents[2] / "cloud" / "skill-package"
LOCALES = ("en-US", "en-GB")


def language_model(locale: str) -> dict:
    path = PACKAGE / "interactionModels" / "custom" / f"{locale}.json"
    return json.loads(path.read_text())["interactionModel"]["languageModel"]


def object_values(locale: str) -> dict[str, list[str]]:
    types = {slot_type["name"]: slot_type for slot_type in language_model(locale)["types"]}
    return {
        value["name"]["value"]: value["name"].get("synonyms", [])
        for value in types["OBJECT"]["values"]
    }


def default_model_labels(model_dir: Path) -> list[str]:
    lines = (model_dir / "coco_labels.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and line.strip() != "???"]


@pytest.mark.parametrize("locale", LOCALES)
def test_object_values_cover_every_label_of_the_default_model(locale, model_dir) -> None:
    labels = default_model_labels(model_dir)
    assert len(labels) == 80

    values = object_values(locale)

    assert sorted(set(labels) - set(values)) == []
    assert "???" not in values


@pytest.mark.parametrize("locale", LOCALES)
def test_object_values_match_the_vocabulary_the_skill_resolves_with(locale) -> None:
    values = object_values(locale)

    assert {label: tuple(words) for label, words in values.items()} == OBJECT_SYNONYMS


def test_no_word_stands_for_two_labels() -> None:
    seen: dict[str, str] = {}
    for label, words in OBJECT_SYNONYMS.items():
        for word in (label, *words):
            assert word not in seen, f"{word!r} is used for {seen.get(word)!r} and {label!r}"
            seen[word] = label


def test_common_spoken_names_are_synonyms() -> None:
    expected = {
        "tv": {"television", "monitor"},
        "couch": {"sofa"},
        "cell phone": {"mobile", "phone"},
        "person": {"people", "man", "woman"},
    }
    for label, words in expected.items():
        assert words <= set(OBJECT_SYNONYMS[label])


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_is_valid(locale) -> None:
    name = language_model(locale)["invocationName"]

    assert re.fullmatch(r"[a-z]+( [a-z]+)+", name), name
    assert name not in {"alexa", "amazon", "echo", "skill", "app"}


@pytest.mark.parametrize("locale", LOCALES)
def test_sample_utterances_are_well_formed(locale) -> None:
    intents = language_model(locale)["intents"]
    all_samples: list[str] = []
    for intent in intents:
        slots = {slot["name"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            assert re.fullmatch(r"[a-z' {}]+", sample), sample
            assert set(re.findall(r"{(\w+)}", sample)) <= slots, sample
            all_samples.append(sample)
        if intent["name"].startswith(("WhatDoYouSee", "DoYouSee", "HowMany", "LastSeen")):
            assert len(intent["samples"]) >= 10, intent["name"]
    assert len(all_samples) == len(set(all_samples)), "a sample is used twice"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_in_the_model_has_its_own_handler(locale) -> None:
    handler_names = {type(handler).__name__ for handler in handlers.request_handlers(None)}
    assert "UnhandledRequestHandler" in handler_names
    envelope_intents = [intent["name"] for intent in language_model(locale)["intents"]]
    required = {
        "WhatDoYouSeeIntent", "WhatElseIntent", "DoYouSeeIntent", "HowManyIntent",
        "LastSeenIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
        "AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent",
    }
    assert required <= set(envelope_intents)

    for name in envelope_intents:
        chosen = [
            type(handler).__name__
            for handler in handlers.request_handlers(None)
            if handler.can_handle(_input_for(name))
        ]
        assert chosen[0] != "UnhandledRequestHandler", name


def _input_for(intent_name: str) -> HandlerInput:
    request = IntentRequest(intent=Intent(name=intent_name))
    return HandlerInput(request_envelope=RequestEnvelope(request=request))


def test_manifest_points_at_the_model_and_its_example_phrases_parse() -> None:
    manifest = json.loads((PACKAGE / "skill.json").read_text())["manifest"]
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES)
    assert "endpoint" in manifest["apis"]["custom"]

    invocation = language_model("en-US")["invocationName"]
    samples = {
        sample for intent in language_model("en-US")["intents"] for sample in intent["samples"]
    }
    for phrase in locales["en-US"]["examplePhrases"]:
        spoken = phrase.removeprefix("Alexa, ").lower()
        assert invocation in spoken, phrase
        rest = re.sub(rf"^(open|ask) {invocation}\s*", "", spoken).rstrip(".")
        if rest:
            patterns = [re.escape(sample).replace(r"\{object\}", r"[a-z ]+") for sample in samples]
            assert any(re.fullmatch(pattern, rest) for pattern in patterns), phrase
