"""Small pieces of spoken English: numbers, nouns with counts, lists, durations.

Labels here are already clean (see :mod:`seesay_skill.labels`); these functions
only decide how they sound: "a person", "three people", "a pair of skis",
"a person, a chair and a cup", "five minutes".
"""

from __future__ import annotations

_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()

# Labels whose spoken forms do not follow the rules: label -> (one, many).
_NOUNS: dict[str, tuple[str, str]] = {
    "person": ("person", "people"),
    "man": ("man", "men"),
    "woman": ("woman", "women"),
    "child": ("child", "children"),
    "mouse": ("mouse", "mice"),
    "knife": ("knife", "knives"),
    "sheep": ("sheep", "sheep"),
    "fish": ("fish", "fish"),
    "deer": ("deer", "deer"),
    "skis": ("pair of skis", "pairs of skis"),
    "scissors": ("pair of scissors", "pairs of scissors"),
    "glasses": ("pair of glasses", "pairs of glasses"),
    "broccoli": ("head of broccoli", "heads of broccoli"),
    "tv": ("TV", "TVs"),
    "sports ball": ("ball", "balls"),
    "hair drier": ("hair dryer", "hair dryers"),
}
_PLURAL_TO_LABEL = {many: label for label, (_, many) in _NOUNS.items()}

# Words whose article the first letter gets wrong.
_ARTICLE_A = ("uni", "use", "usu", "eu", "one", "once")
_ARTICLE_AN = ("hour", "honest", "honour", "honor")


def number_word(number: int) -> str:
    """A count as Alexa should say it: words up to twenty, digits above."""
    if 0 <= number < len(_NUMBER_WORDS):
        return _NUMBER_WORDS[number]
    return str(number)


def singular(label: str) -> str:
    """How one of ``label`` is said: "person", "pair of skis", "TV"."""
    return _NOUNS.get(label, (label, ""))[0]


def plural(label: str) -> str:
    """How several of ``label`` are said: "people", "buses", "pairs of skis"."""
    if label in _NOUNS:
        return _NOUNS[label][1]
    head, _, last = label.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _PLURAL_TO_LABEL or last.endswith("ies"):
        return label
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return f"{prefix}{last}es"
    if len(last) > 1 and last.endswith("y") and last[-2] not in "aeiou":
        return f"{prefix}{last[:-1]}ies"
    return f"{prefix}{last}s"


def singular_forms(word: str) -> tuple[str, ...]:
    """The labels a spoken word may stand for, most likely first: "buses" -> ("bus", "buse").

    Undoes the forms :func:`plural` makes. Spelling alone cannot tell "horses"
    from "buses", so every candidate is returned and the caller picks the one
    it knows; the word itself is always the last candidate.
    """
    if word in _PLURAL_TO_LABEL:
        return (_PLURAL_TO_LABEL[word], word)
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    forms: list[str] = []
    if last.endswith("ies") and len(last) > 4:
        forms.append(f"{last[:-3]}y")
    if last.endswith(("ses", "xes", "zes", "ches", "shes")) and len(last) > 4:
        forms.append(last[:-2])
    if last.endswith("s") and not last.endswith("ss") and len(last) > 2:
        forms.append(last[:-1])
    return (*(f"{prefix}{form}" for form in forms), word)


def article(phrase: str) -> str:
    """"a" or "an" for a spoken phrase, by how its first word sounds."""
    word = phrase.lower()
    if word.startswith(_ARTICLE_AN):
        return "an"
    if word.startswith(_ARTICLE_A):
        return "a"
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def with_article(label: str) -> str:
    """One of ``label`` with its article: "a dog", "an umbrella", "a TV"."""
    spoken = singular(label)
    return f"{article(spoken)} {spoken}"


def counted(label: str, count: int) -> str:
    """``count`` of ``label``: "a dog", "two dogs", "25 people"; zero or less is one."""
    if count <= 1:
        return with_article(label)
    return f"{number_word(count)} {plural(label)}"


def numbered(label: str, count: int) -> str:
    """Like :func:`counted` but always with a number: "one dog", "three people"."""
    if count == 1:
        return f"one {singular(label)}"
    return f"{number_word(count)} {plural(label)}"


def join_list(parts: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def duration(seconds: float) -> str:
    """A length of time, rounded down to its largest unit: "ten seconds", "an hour"."""
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return _amount(seconds // size, unit)
    return _amount(seconds, "second")


def time_ago(seconds: float) -> str:
    """How long ago something was: "a moment ago", "ten seconds ago", "an hour ago"."""
    if seconds < 2:
        return "a moment ago"
    return f"{duration(seconds)} ago"


def _amount(number: int, unit: str) -> str:
    if number == 1:
        return f"{article(unit)} {unit}"
    return f"{number_word(number)} {unit}s"
