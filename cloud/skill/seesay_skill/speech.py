"""What the skill says: answers built from a :class:`~seesay_skill.scene.Scene`.

Every answer is plain text (the skill never sends SSML), short, and built only
from cleaned labels and names; :func:`safe_text` is the last guard on the way
out (S02).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seesay_skill.phrases import (
    counted,
    duration,
    join_list,
    number_word,
    numbered,
    plural,
    time_ago,
    with_article,
)
from seesay_skill.scene import OFFLINE, STALE, Item, Scene

# Items spoken in one answer; "what else" pages through the rest.
ITEMS_PER_ANSWER = 5
# Cameras named in one answer when they are stale or offline.
CAMERAS_PER_ANSWER = 3
# Alexa accepts 8000 characters; an answer worth hearing is far shorter.
MAX_SPEECH_CHARS = 600

WELCOME = "Welcome to see say. Ask me what I see."
WELCOME_REPROMPT = "You can ask: what do you see?"
HELP = (
    "I tell you what the camera sees. Ask: what do you see? "
    "Or: do you see a dog? How many people do you see? When did you last see a cat?"
)
HELP_REPROMPT = "What would you like to know?"
GOODBYE = "Goodbye."
FALLBACK = "Sorry, I can't help with that. You can ask me what I see."
FALLBACK_REPROMPT = "Ask me what I see."
MORE_PROMPT = "Say what else to hear the rest."
MORE_REPROMPT = "Do you want to hear the rest?"
NOTHING_MORE = "That's everything I see."
NOTHING_ASKED = "Ask me what I see first."
WHICH_OBJECT_REPROMPT = "Which thing should I look for?"
STREAM_UNAVAILABLE = "Sorry, I can't reach the camera's stream just now. Please try again later."
SOMETHING_WRONG = "Sorry, something went wrong. Please try again."

_UNSAFE = re.compile(r"[<>&\"{}\[\]\\`\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Answer:
    """A spoken answer and the items left for "what else"."""

    text: str
    rest: tuple[Item, ...] = ()


def what_i_see(scene: Scene) -> Answer:
    """The answer to "what do you see": the items, their freshness, camera troubles."""
    sentences: list[str] = []
    rest: tuple[Item, ...] = ()
    if scene.current:
        items = scene.items
        if items:
            listing, rest = _listing(items)
            sentences.append(f"I see {listing}, as of {time_ago(scene.age_seconds)}.")
        else:
            sentences.append("I don't see anything right now.")
    sentences.extend(_camera_troubles(scene))
    if rest:
        sentences.append(MORE_PROMPT)
    return Answer(safe_text(" ".join(sentences)), rest)


def what_else(rest: tuple[Item, ...]) -> Answer:
    """The next page of items left over from an earlier answer."""
    if not rest:
        return Answer(NOTHING_MORE)
    listing, remaining = _listing(rest)
    text = f"I also see {listing}."
    if remaining:
        text = f"{text} {MORE_PROMPT}"
    return Answer(safe_text(text), remaining)


def do_you_see(scene: Scene, label: str) -> str:
    """The answer to "do you see a <label>"."""
    if not scene.current:
        return safe_text(" ".join(_camera_troubles(scene)))
    item = scene.find(label)
    if item is None:
        return safe_text(f"No, I don't see {with_article(label)} right now.")
    return safe_text(
        f"Yes, I see {counted(label, item.count)}, as of {time_ago(scene.age_seconds)}."
    )


def how_many(scene: Scene, label: str) -> str:
    """The answer to "how many <label> do you see"."""
    if not scene.current:
        return safe_text(" ".join(_camera_troubles(scene)))
    item = scene.find(label)
    if item is None:
        return safe_text(f"I don't see any {plural(label)} right now.")
    return safe_text(
        f"I see {numbered(label, item.count)}, as of {time_ago(scene.age_seconds)}."
    )


def last_seen(scene: Scene, label: str) -> str:
    """The answer to "when did you last see a <label>"."""
    if scene.find(label) is not None:
        return safe_text(f"I can see {with_article(label)} right now.")
    if label in scene.label_ages:
        return safe_text(
            f"I last saw {with_article(label)} {time_ago(scene.label_ages[label])}."
        )
    text = f"I haven't seen {with_article(label)} in the last {duration(scene.lookback_seconds)}."
    if not scene.complete:
        text = f"I couldn't look through everything in time, but {text}"
    return safe_text(text)


def safe_text(text: str) -> str:
    """Text that cannot break a response: no markup characters, bounded length."""
    text = " ".join(_UNSAFE.sub(" ", text).split())
    if len(text) > MAX_SPEECH_CHARS:
        text = text[:MAX_SPEECH_CHARS].rsplit(" ", 1)[0].rstrip(",") + "."
    return text or SOMETHING_WRONG


def _listing(items: tuple[Item, ...]) -> tuple[str, tuple[Item, ...]]:
    """The first items as a spoken list, with a count of the rest; and the rest."""
    spoken, rest = items[:ITEMS_PER_ANSWER], items[ITEMS_PER_ANSWER:]
    parts = [counted(item.label, item.count) for item in spoken]
    if rest:
        others = "one other thing" if len(rest) == 1 else f"{number_word(len(rest))} other things"
        parts.append(others)
    return join_list(parts), rest


def _camera_troubles(scene: Scene) -> list[str]:
    """Sentences about cameras that are stale or offline, or about having no camera at all."""
    if not scene.views:
        if not scene.complete:
            return ["I couldn't check the camera in time. Please ask again in a moment."]
        return [f"I haven't heard from any camera in the last {duration(scene.lookback_seconds)}."]
    if not scene.complete and any(view.state == STALE for view in scene.views):
        # The read stopped at the deadline: a camera that looks quiet may simply
        # not have been reached yet, so no claim about how long it has been.
        return ["I couldn't check every camera in time. Please ask again in a moment."]
    troubled = [view for view in scene.views if view.state in (STALE, OFFLINE)]
    sentences = []
    for view in troubled[:CAMERAS_PER_ANSWER]:
        if view.state == OFFLINE:
            sentences.append(f"{_capitalised(view.name)} is offline.")
        else:
            sentences.append(
                f"I haven't heard from {view.name} for {duration(view.age_seconds)}."
            )
    left_out = len(troubled) - CAMERAS_PER_ANSWER
    if left_out == 1:
        sentences.append("One more camera is not reporting.")
    elif left_out > 1:
        sentences.append(f"{_capitalised(number_word(left_out))} more cameras are not reporting.")
    return sentences


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
