"""From a spoken sentence to an intent and slots, using the skill's interaction model.

Alexa resolves utterances with its own models; on a laptop this does the
simple, predictable version of the same thing from the same source: the
interaction model's sample utterances and slot values (with synonyms). A
sample matches when the sentence equals it with each ``{slot}`` filled by a
known value or synonym; otherwise the closest sample by shared words wins if
it is close enough, and anything else is AMAZON.FallbackIntent, as on a device.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FALLBACK_INTENT = "AMAZON.FallbackIntent"
# Built-in intents carry no samples in a model; these are the phrases Alexa
# maps to them that matter for this skill.
BUILT_IN_SAMPLES = {
    "AMAZON.HelpIntent": ["help", "help me", "what can you do", "how does this work"],
    "AMAZON.StopIntent": ["stop", "shut up", "be quiet", "off", "exit"],
    "AMAZON.CancelIntent": ["cancel", "never mind", "forget it"],
    "AMAZON.YesIntent": ["yes", "yeah", "sure", "yes please"],
    "AMAZON.NoIntent": ["no", "nope", "no thanks"],
    "AMAZON.NavigateHomeIntent": ["go home", "go to the home screen"],
}
WAKE_PREFIX = re.compile(
    r"^(alexa\s+)?((ask|tell|open|launch|start)\s+(see\s+say|{invocation})\s*(to|and|if|whether)?\s*)?"
)
MIN_OVERLAP = 0.6


@dataclass(frozen=True)
class SlotValue:
    """A slot value as Alexa reports it: what was said, and what it resolved to."""

    spoken: str
    canonical: str | None = None
    value_id: str | None = None


@dataclass(frozen=True)
class Resolution:
    """An utterance resolved to an intent name and slot values."""

    intent: str
    slots: dict[str, SlotValue | None] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: how an ASR transcript reads."""
    text = text.lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


class InteractionModel:
    """One locale's interaction model, ready to resolve utterances."""

    def __init__(self, model: dict[str, Any]) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation_name = language["invocationName"]
        self._values: dict[str, dict[str, tuple[str, str | None]]] = {}
        for slot_type in language.get("types", []):
            values = {}
            for entry in slot_type.get("values", []):
                name = entry["name"]["value"]
                for phrase in [name, *entry["name"].get("synonyms", [])]:
                    values[normalise(phrase)] = (name, entry.get("id"))
            self._values[slot_type["name"]] = values
        self._samples: list[tuple[str, str, dict[str, str]]] = []
        self.slot_types: dict[str, dict[str, str]] = {}
        for intent in language["intents"]:
            slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            self.slot_types[intent["name"]] = slot_types
            samples = intent.get("samples") or BUILT_IN_SAMPLES.get(intent["name"], [])
            for sample in samples:
                self._samples.append((intent["name"], sample, slot_types))

    @classmethod
    def load(cls, path: Path) -> InteractionModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def _strip_invocation(self, text: str) -> str:
        prefix = WAKE_PREFIX.pattern.replace("{invocation}", re.escape(self.invocation_name))
        return re.sub(prefix, "", text, count=1).strip()

    def opens_only(self, utterance: str) -> bool:
        """Whether the utterance only opens the skill ("Alexa, open see say").

        Alexa sends a LaunchRequest for it, not an intent.
        """
        return not self._strip_invocation(normalise(utterance))

    def resolve(self, utterance: str) -> Resolution:
        """The intent and slots for an utterance (FallbackIntent when nothing fits)."""
        text = self._strip_invocation(normalise(utterance))
        matches: list[tuple[tuple[bool, int], Resolution]] = []
        best: tuple[float, Resolution] | None = None
        for intent, sample, slot_types in self._samples:
            matched = self._match(text, sample, slot_types)
            if matched is not None:
                # Prefer samples whose slots hold known values, then the most
                # specific sample (the most words outside its slots).
                resolved = all(value.canonical for value in matched.values() if value)
                literal = len(re.sub(r"\{\w+\}", "", sample))
                matches.append(((resolved, literal), Resolution(intent, matched)))
                continue
            overlap = _overlap(text, sample)
            if overlap >= MIN_OVERLAP and (best is None or overlap > best[0]):
                best = (overlap, Resolution(intent, {name: None for name in slot_types}))
        if matches:
            return max(matches, key=lambda match: match[0])[1]
        return best[1] if best else Resolution(FALLBACK_INTENT)

    def _match(self, text: str, sample: str, slot_types: dict[str, str]):
        pattern, names = "", []
        for piece in re.split(r"(\{\w+\})", normalise_sample(sample)):
            if piece.startswith("{"):
                names.append(piece[1:-1])
                pattern += r"(?P<" + piece[1:-1] + r">.+?)"
            else:
                pattern += re.escape(piece)
        found = re.fullmatch(pattern, text)
        if found is None:
            return None
        slots: dict[str, SlotValue | None] = {}
        for name in names:
            spoken = found.group(name).strip()
            canonical = self._values.get(slot_types.get(name, ""), {}).get(spoken)
            if canonical is None and spoken.endswith("s"):
                canonical = self._values.get(slot_types.get(name, ""), {}).get(spoken[:-1])
            slots[name] = SlotValue(spoken, *canonical) if canonical else SlotValue(spoken)
        return slots


def normalise_sample(sample: str) -> str:
    """A sample normalised like a transcript, keeping its ``{slot}`` markers."""
    return " ".join(
        piece if piece.startswith("{") else normalise(piece)
        for piece in re.split(r"(\{\w+\})", sample)
        if piece.strip()
    )


def _overlap(text: str, sample: str) -> float:
    said = set(text.split())
    wanted = {word for word in normalise_sample(sample).split() if not word.startswith("{")}
    if not said or not wanted:
        return 0.0
    return len(said & wanted) / len(said | wanted)
