"""Spoken English and safe speech (S02): plurals, lists, numbers, durations, labels."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seesay_skill import speech
from seesay_skill.labels import (
    MAX_LABEL_CHARS,
    OBJECT_SYNONYMS,
    clean_label,
    resolve_label,
)
from seesay_skill.phrases import (
    counted,
    duration,
    join_list,
    number_word,
    numbered,
    plural,
    singular_forms,
    time_ago,
    with_article,
)


@pytest.mark.parametrize(
    ("label", "count", "spoken"),
    [
        ("dog", 1, "a dog"),
        ("dog", 2, "two dogs"),
        ("person", 1, "a person"),
        ("person", 3, "three people"),
        ("bus", 2, "two buses"),
        ("mouse", 2, "two mice"),
        ("knife", 4, "four knives"),
        ("sheep", 5, "five sheep"),
        ("wine glass", 2, "two wine glasses"),
        ("sandwich", 2, "two sandwiches"),
        ("toothbrush", 2, "two toothbrushes"),
        ("skis", 1, "a pair of skis"),
        ("skis", 2, "two pairs of skis"),
        ("scissors", 1, "a pair of scissors"),
        ("tv", 1, "a TV"),
        ("tv", 2, "two TVs"),
        ("elephant", 1, "an elephant"),
        ("umbrella", 1, "an umbrella"),
        ("hair drier", 1, "a hair dryer"),
        ("sports ball", 3, "three balls"),
        ("teddy bear", 20, "twenty teddy bears"),
        ("cup", 21, "21 cups"),
        ("dog", 0, "a dog"),
        ("puppy", 2, "two puppies"),
        ("key", 2, "two keys"),
        ("box", 2, "two boxes"),
    ],
)
def test_counted(label: str, count: int, spoken: str) -> None:
    assert counted(label, count) == spoken


def test_numbered_always_says_the_number() -> None:
    assert numbered("dog", 1) == "one dog"
    assert numbered("person", 2) == "two people"


@pytest.mark.parametrize("label", sorted(OBJECT_SYNONYMS))
def test_every_default_label_said_in_the_plural_resolves_back(label: str) -> None:
    assert resolve_label(plural(label)) == label
    assert resolve_label(with_article(label).split(" ", 1)[1]) == label


@pytest.mark.parametrize(
    ("parts", "spoken"),
    [
        ([], ""),
        (["a person"], "a person"),
        (["a person", "a chair"], "a person and a chair"),
        (["a person", "a chair", "a cup"], "a person, a chair and a cup"),
    ],
)
def test_join_list(parts, spoken) -> None:
    assert join_list(parts) == spoken


def test_number_words_up_to_twenty() -> None:
    assert [number_word(n) for n in (0, 1, 7, 13, 20, 21, 100)] == [
        "zero", "one", "seven", "thirteen", "twenty", "21", "100"
    ]


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (0, "zero seconds"),
        (1, "a second"),
        (10, "ten seconds"),
        (59.9, "59 seconds"),
        (60, "a minute"),
        (119, "a minute"),
        (300, "five minutes"),
        (900, "fifteen minutes"),
        (3600, "an hour"),
        (7300, "two hours"),
        (86400 * 3, "three days"),
    ],
)
def test_duration(seconds, spoken) -> None:
    assert duration(seconds) == spoken


def test_time_ago() -> None:
    assert time_ago(0.5) == "a moment ago"
    assert time_ago(10) == "ten seconds ago"


def test_with_article() -> None:
    assert [with_article(label) for label in ("apple", "oven", "hour glass", "unicorn")] == [
        "an apple", "an oven", "an hour glass", "a unicorn"
    ]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Dog", "dog"),
        ("  traffic_light ", "traffic light"),
        ("<speak>dog</speak>", "dog"),
        ("<audio src='https://example.invalid/x.mp3'/>cat", "cat"),
        ("cup & saucer", "cup saucer"),
        ("fish\x00\x1b[31m", "fish 31m"),
        ("???", None),
        ("", None),
        ("12345", None),
        ("<>&\"'", None),
        (None, None),
        (42, None),
        ("ﬁsh", "fish"),
        ("children's toy", "children's toy"),
        ("crème brûlée", "crème brûlée"),
    ],
)
def test_clean_label(raw, cleaned) -> None:
    assert clean_label(raw) == cleaned


def test_a_very_long_label_is_cut_at_a_word() -> None:
    label = clean_label("very " * 50 + "long label")

    assert label is not None and len(label) <= MAX_LABEL_CHARS
    assert label.split() == ["very"] * len(label.split())


def test_a_huge_single_word_label_is_cut() -> None:
    label = clean_label("x" * 100_000)

    assert label == "x" * MAX_LABEL_CHARS


@given(st.text(max_size=300))
def test_any_label_cleans_to_safe_short_text(raw: str) -> None:
    label = clean_label(raw)

    if label is not None:
        assert 0 < len(label) <= MAX_LABEL_CHARS
        assert re.fullmatch(r"[\w' -]+", label) and "_" not in label
        assert label == label.strip() and "  " not in label


@given(st.text(max_size=200))
def test_safe_text_never_carries_markup(raw: str) -> None:
    text = speech.safe_text(raw)

    assert text and len(text) <= speech.MAX_SPEECH_CHARS
    assert not set(text) & set("<>&\"{}[]\\`")


@pytest.mark.parametrize(
    ("spoken", "label"),
    [
        ("sofa", "couch"),
        ("Sofas", "couch"),
        ("people", "person"),
        ("dogs", "dog"),
        ("horses", "horse"),
        ("buses", "bus"),
        ("mice", "mouse"),
        ("television", "tv"),
        ("mobile phone", "cell phone"),
        ("skis", "skis"),
        ("unicorns", "unicorn"),
        ("<b>cats</b>", "cat"),
    ],
)
def test_resolve_label(spoken: str, label: str) -> None:
    assert resolve_label(spoken) == label


def test_resolve_label_prefers_labels_in_the_scene() -> None:
    assert resolve_label("gnomes", known=["gnomes"]) == "gnomes"
    assert resolve_label("gnomes") == "gnome"
    assert resolve_label("???") is None


def test_singular_forms_end_with_the_word_itself() -> None:
    assert singular_forms("horses") == ("hors", "horse", "horses")
    assert singular_forms("people") == ("person", "people")
