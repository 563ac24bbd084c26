"""Labels: cleaning the untrusted ones, and the words people use for them.

Labels and camera names arrive from devices through the stream, and slot
values from speech recognition; none of them is trusted. :func:`clean_label`
reduces any of them to a short run of lowercase letters, digits, spaces,
hyphens and apostrophes, so nothing can break the speech or the response (S02).

:data:`OBJECT_SYNONYMS` is the vocabulary of the default model with the words
people say for each label; the interaction model's OBJECT slot type is built
from the same table (a test keeps the two in step).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from seesay_skill.phrases import singular_forms

MAX_LABEL_CHARS = 40
MAX_NAME_CHARS = 30
# Longer input is cut before cleaning, so a huge label costs no more than a long one.
MAX_INPUT_CHARS = 1000
_MARKUP = re.compile(r"<[^<>]*>")
_KEPT_PUNCTUATION = "-'"

# label of the default model -> what people say for it (besides the label itself).
OBJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "person": ("people", "man", "woman", "men", "women", "child", "children", "kid", "kids",
               "boy", "girl", "somebody", "someone", "anybody", "anyone", "human", "guy"),
    "bicycle": ("bike", "bikes", "bicycles", "cycle", "push bike"),
    "car": ("cars", "automobile", "vehicle", "auto"),
    "motorcycle": ("motorbike", "motorcycles", "motorbikes", "moped"),
    "airplane": ("plane", "aeroplane", "aircraft", "jet", "planes", "airplanes"),
    "bus": ("buses", "coach", "minibus"),
    "train": ("trains", "locomotive", "railway train"),
    "truck": ("trucks", "lorry", "lorries", "pickup truck", "van"),
    "boat": ("boats", "ship", "canoe", "kayak", "sailboat"),
    "traffic light": ("traffic lights", "stoplight", "stop light", "traffic signal"),
    "fire hydrant": ("hydrant", "fire hydrants", "fire plug"),
    "stop sign": ("stop signs", "road sign"),
    "parking meter": ("parking meters", "meter"),
    "bench": ("benches", "park bench"),
    "bird": ("birds", "pigeon", "sparrow", "robin"),
    "cat": ("cats", "kitty", "kitten", "kittens"),
    "dog": ("dogs", "puppy", "puppies", "doggy", "pup"),
    "horse": ("horses", "pony", "ponies"),
    "sheep": ("lamb", "lambs"),
    "cow": ("cows", "cattle", "bull", "calf"),
    "elephant": ("elephants",),
    "bear": ("bears", "grizzly"),
    "zebra": ("zebras",),
    "giraffe": ("giraffes",),
    "backpack": ("backpacks", "rucksack", "school bag"),
    "umbrella": ("umbrellas", "brolly"),
    "handbag": ("handbags", "purse", "bag", "bags"),
    "tie": ("ties", "necktie", "bow tie"),
    "suitcase": ("suitcases", "luggage", "case"),
    "frisbee": ("frisbees", "flying disc"),
    "skis": ("ski", "pair of skis"),
    "snowboard": ("snowboards",),
    "sports ball": ("ball", "balls", "football", "soccer ball", "basketball", "tennis ball"),
    "kite": ("kites",),
    "baseball bat": ("bat", "baseball bats", "cricket bat"),
    "baseball glove": ("glove", "mitt", "baseball mitt"),
    "skateboard": ("skateboards",),
    "surfboard": ("surfboards", "surf board"),
    "tennis racket": ("racket", "racquet", "tennis racquet"),
    "bottle": ("bottles", "water bottle"),
    "wine glass": ("wine glasses", "glass", "glasses"),
    "cup": ("cups", "mug", "mugs", "coffee cup"),
    "fork": ("forks",),
    "knife": ("knives",),
    "spoon": ("spoons",),
    "bowl": ("bowls",),
    "banana": ("bananas",),
    "apple": ("apples",),
    "sandwich": ("sandwiches",),
    "orange": ("oranges",),
    "broccoli": ("head of broccoli", "heads of broccoli"),
    "carrot": ("carrots",),
    "hot dog": ("hot dogs", "hotdog", "hotdogs"),
    "pizza": ("pizzas",),
    "donut": ("donuts", "doughnut", "doughnuts"),
    "cake": ("cakes",),
    "chair": ("chairs", "seat", "armchair"),
    "couch": ("sofa", "sofas", "couches", "settee"),
    "potted plant": ("plant", "plants", "potted plants", "house plant", "pot plant"),
    "bed": ("beds",),
    "dining table": ("table", "tables", "dining tables", "kitchen table"),
    "toilet": ("toilets", "loo"),
    "tv": ("television", "televisions", "telly", "tv set", "tvs", "monitor", "screen"),
    "laptop": ("laptops", "computer", "notebook computer"),
    "mouse": ("mice", "computer mouse"),
    "remote": ("remote control", "remotes", "clicker", "tv remote"),
    "keyboard": ("keyboards",),
    "cell phone": ("phone", "phones", "mobile", "mobile phone", "cellphone", "smartphone",
                   "cell phones"),
    "microwave": ("microwaves", "microwave oven"),
    "oven": ("ovens", "stove", "cooker"),
    "toaster": ("toasters",),
    "sink": ("sinks", "basin"),
    "refrigerator": ("fridge", "fridges", "refrigerators", "freezer"),
    "book": ("books",),
    "clock": ("clocks",),
    "vase": ("vases",),
    "scissors": ("pair of scissors",),
    "teddy bear": ("teddy", "teddy bears", "stuffed animal", "soft toy"),
    "hair drier": ("hair dryer", "hairdryer", "blow dryer"),
    "toothbrush": ("toothbrushes",),
}

_LABEL_FOR_WORD = {
    word: label for label, words in OBJECT_SYNONYMS.items() for word in (label, *words)
}


def clean_label(text: object, max_chars: int = MAX_LABEL_CHARS) -> str | None:
    """An untrusted label reduced to something safe and short to speak, or None.

    Keeps letters, digits, spaces, hyphens and apostrophes, lowercased, with
    runs of anything else turned into one space; cuts at a word boundary to at
    most ``max_chars``. None when nothing speakable is left (``???``, ``<>``).
    """
    if not isinstance(text, str):
        return None
    kept = []
    text = _MARKUP.sub(" ", text[:MAX_INPUT_CHARS])
    for char in unicodedata.normalize("NFKC", text).lower():
        category = unicodedata.category(char)
        if category[0] in "LN" or char in _KEPT_PUNCTUATION:
            kept.append(char)
        else:
            kept.append(" ")
    words = [word.strip(_KEPT_PUNCTUATION) for word in "".join(kept).split()]
    cleaned = " ".join(word for word in words if word)
    if len(cleaned) > max_chars:
        cut = cleaned[: max_chars + 1].rsplit(" ", 1)[0]
        cleaned = cut if 0 < len(cut) <= max_chars else cleaned[:max_chars]
    if not any(unicodedata.category(char)[0] == "L" for char in cleaned):
        return None
    return cleaned


def clean_name(text: object) -> str | None:
    """An untrusted device or camera name, cleaned like a label but shorter."""
    return clean_label(text, MAX_NAME_CHARS)


def resolve_label(spoken: str, known: Iterable[str] = ()) -> str | None:
    """The label a spoken slot value stands for.

    Tries the value itself, then the singulars it may be a plural of, against
    the vocabulary and then ``known`` (labels in the current scene, which may
    come from another model). Without a match, the most likely singular of the
    cleaned value is returned. None when nothing speakable was said.
    """
    cleaned = clean_label(spoken)
    if cleaned is None:
        return None
    candidates = singular_forms(cleaned)
    for candidate in (cleaned, *candidates):
        if candidate in _LABEL_FOR_WORD:
            return _LABEL_FOR_WORD[candidate]
    known_labels = set(known)
    for candidate in (cleaned, *candidates):
        if candidate in known_labels:
            return candidate
    return candidates[0]
