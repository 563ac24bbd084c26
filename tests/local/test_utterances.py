"""Utterances resolved with the skill's own interaction model."""

from __future__ import annotations

import pytest

from seesay.envelopes import Conversation
from seesay.paths import project_root
from seesay.utterances import InteractionModel

MODEL_FILE = project_root() / "cloud/skill-package/interactionModels/custom/en-US.json"


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return InteractionModel.load(MODEL_FILE)


@pytest.mark.parametrize(
    ("utterance", "intent", "canonical"),
    [
        ("What do you see?", "WhatDoYouSeeIntent", None),
        ("Alexa, ask see say what do you see", "WhatDoYouSeeIntent", None),
        ("what else", "WhatElseIntent", None),
        ("do you see a dog?", "DoYouSeeIntent", "dog"),
        ("do you see any dogs", "DoYouSeeIntent", "dog"),
        ("how many people do you see", "HowManyIntent", "person"),
        ("how many televisions", "HowManyIntent", "tv"),
        ("when did you last see the cat?", "LastSeenIntent", "cat"),
        ("help", "AMAZON.HelpIntent", None),
        ("stop", "AMAZON.StopIntent", None),
        ("what's the weather in Paris", "AMAZON.FallbackIntent", None),
    ],
)
def test_utterances_resolve_to_intents_and_slot_values(model, utterance, intent, canonical):
    resolution = model.resolve(utterance)
    assert resolution.intent == intent
    if canonical is not None:
        assert resolution.slots["object"].canonical == canonical


def test_an_unknown_object_keeps_what_was_said_without_a_match(model):
    resolution = model.resolve("do you see a unicorn")
    assert resolution.intent == "DoYouSeeIntent"
    slot = resolution.slots["object"]
    assert slot.spoken == "unicorn" and slot.canonical is None
    envelope = Conversation("amzn1.ask.skill.test").intent(
        resolution.intent, resolution.slots, slot_types=model.slot_types[resolution.intent]
    )
    sent = envelope["request"]["intent"]["slots"]["object"]
    assert sent["value"] == "unicorn"
    assert sent["resolutions"]["resolutionsPerAuthority"][0]["status"]["code"] == (
        "ER_SUCCESS_NO_MATCH"
    )


def test_envelopes_carry_session_attributes_forward():
    conversation = Conversation("amzn1.ask.skill.test")
    first = conversation.launch()
    assert first["session"]["new"] is True
    conversation.remember({"sessionAttributes": {"page": 1}})
    second = conversation.intent("WhatElseIntent")
    assert second["session"]["new"] is False
    assert second["session"]["attributes"] == {"page": 1}
    assert second["request"]["timestamp"].endswith("Z")
    assert second["context"]["System"]["application"]["applicationId"] == "amzn1.ask.skill.test"
