"""Which output is which: by the manifest's names, else by shape, name hints and meaning.

Exporters list the same tensors in different orders (boxes, classes, scores,
count in TF1 exports; scores, boxes, count, classes in TF2 ones) and give them
opaque names (``StatefulPartitionedCall:1``). Shapes tell boxes and counts
apart; two ``[1, N]`` vectors are told apart by a name hint (``class``,
``score``) or, failing that, by what they hold on a few probe frames: class
ids are whole numbers, scores are fractions. Anything still unclear refuses
the model at load with a message naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from seesay_detector.backends import TensorInfo
from seesay_detector.model import ModelError

ProbeOutputs = Callable[[], Iterable[dict[str, np.ndarray]]]


def describe_outputs(infos: Sequence[TensorInfo]) -> str:
    """The model's outputs as one readable list."""
    return ", ".join(info.describe() for info in infos) or "no outputs"


def named_outputs(
    wanted: dict[str, str],
    roles: Sequence[str],
    infos: Sequence[TensorInfo],
    where: str,
    convention: str,
) -> dict[str, str]:
    """Output names given by the manifest, each checked against the model's outputs.

    A name must be one of the model's outputs, and that output's shape must
    fit the role (boxes end in 4, a count holds one number, ...).
    """
    missing_roles = [role for role in roles if role not in wanted]
    if missing_roles:
        raise ModelError(f"manifest {where} does not name the {', '.join(missing_roles)} output")
    unknown_roles = sorted(set(wanted) - set(roles))
    if unknown_roles:
        raise ModelError(
            f"manifest {where} has unknown role(s) {unknown_roles} (roles: {list(roles)})"
        )
    by_name = {info.name: info for info in infos}
    absent = [f"{role}={wanted[role]!r}" for role in roles if wanted[role] not in by_name]
    if absent:
        raise ModelError(
            f"manifest {where} names output(s) the model does not have: {', '.join(absent)}; "
            f"the model gives {describe_outputs(infos)}"
        )
    for role in roles:
        info = by_name[wanted[role]]
        expected = ROLE_SHAPES[convention][role]
        if not fits_role(info.shape, expected):
            raise ModelError(
                f"manifest {where}.{role} names {info.describe()}, which does not have the "
                f"shape of {role} {expected.text}"
            )
    lengths = {
        role: length
        for role in roles
        if (length := detections_in(by_name[wanted[role]].shape, ROLE_SHAPES[convention][role]))
    }
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{role}={wanted[role]!r} has {n}" for role, n in lengths.items())
        raise ModelError(
            f"manifest {where} names outputs that disagree on the number of detections: "
            f"{described}"
        )
    return {role: wanted[role] for role in roles}


@dataclass(frozen=True)
class RoleShape:
    """The shapes an output may have in one role.

    ``ranks`` are the numbers of dimensions allowed, ``last`` the size of the
    last one (None: any), ``axis`` the dimension that counts detections or
    anchors (None: the output holds one number, ``single``).
    """

    ranks: tuple[int, ...]
    last: int | None
    text: str
    axis: int | None
    single: bool = False


ROLE_SHAPES: dict[str, dict[str, RoleShape]] = {
    "builtin": {
        "boxes": RoleShape((2, 3), 4, "[1,N,4]", -2),
        "classes": RoleShape((1, 2), None, "[1,N]", -1),
        "scores": RoleShape((1, 2), None, "[1,N]", -1),
        "count": RoleShape((0, 1, 2), None, "[1]", None, single=True),
    },
    "gluoncv": {
        "ids": RoleShape((3,), 1, "[1,N,1]", -2),
        "scores": RoleShape((3,), 1, "[1,N,1]", -2),
        "boxes": RoleShape((3,), 4, "[1,N,4]", -2),
    },
    "ssd_head": {
        "box_encodings": RoleShape((3,), 4, "[1,A,4]", -2),
        "class_scores": RoleShape((3,), None, "[1,A,C]", -2),
    },
}


def fits_role(shape: tuple[int | None, ...], expected: RoleShape) -> bool:
    """Whether a declared shape can be ``expected``; an unknown rank (``()``) always can."""
    if not shape:
        return True
    if len(shape) not in expected.ranks:
        return False
    if expected.single:
        return all(dim in (None, 1) for dim in shape)
    return expected.last is None or shape[-1] in (None, expected.last)


def detections_in(shape: tuple[int | None, ...], expected: RoleShape) -> int | None:
    """How many detections (or anchors) an output holds, when its shape says; else None."""
    if expected.axis is None or not shape:
        return None
    return shape[expected.axis]


def has_hint(name: str, hints: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in hints)


def split_by_hint(
    pair: Sequence[str], first_hints: Sequence[str], second_hints: Sequence[str]
) -> tuple[str, str] | None:
    """``(first, second)`` when the names say which is which, else None."""
    a, b = pair
    if has_hint(a, first_hints) and has_hint(b, second_hints):
        return a, b
    if has_hint(b, first_hints) and has_hint(a, second_hints):
        return b, a
    return None


def split_by_meaning(
    pair: Sequence[str], probe: ProbeOutputs, count_name: str | None = None
) -> tuple[str, str] | None:
    """``(classes, scores)`` told apart by their values on probe frames, else None.

    Only the valid entries count: the first ``count`` ones when the model has a
    count output, else those not padded with -1.
    """
    votes: set[tuple[str, str]] = set()
    a, b = pair
    for outputs in probe():
        first = np.asarray(outputs[a], np.float64).reshape(-1)
        second = np.asarray(outputs[b], np.float64).reshape(-1)
        if count_name is not None:
            count = valid_count(outputs[count_name], min(first.size, second.size))
            first, second = first[:count], second[:count]
        else:
            keep = (first != -1) & (second != -1)
            first, second = first[keep], second[keep]
        if _looks_like_ids_beside_scores(first, second):
            votes.add((a, b))
        elif _looks_like_ids_beside_scores(second, first):
            votes.add((b, a))
    return votes.pop() if len(votes) == 1 else None


def _looks_like_ids_beside_scores(ids: np.ndarray, scores: np.ndarray) -> bool:
    if ids.size == 0 or not (np.all(np.isfinite(ids)) and np.all(np.isfinite(scores))):
        return False
    ids_whole = bool(np.all(ids == np.round(ids)))
    scores_fractional = bool(np.any(scores != np.round(scores)))
    scores_in_unit = bool(np.all((scores >= 0) & (scores <= 1)))
    return ids_whole and scores_in_unit and (scores_fractional or bool(ids.max() > 1))


def valid_count(count: np.ndarray, length: int) -> int:
    """How many entries a count output vouches for: ``min(int(count), length)``, 0 if unusable.

    The count is a float array (``[10.]``); it may be 0, larger than the
    arrays, negative or not finite.
    """
    values = np.asarray(count).reshape(-1)
    if values.size == 0 or not np.isfinite(values[0]):
        return 0
    return max(0, min(int(values[0]), length))


def map_builtin(infos: Sequence[TensorInfo], probe: ProbeOutputs) -> dict[str, str]:
    """Boxes ``[1,N,4]``, classes and scores ``[1,N]``, count ``[1]``, by shape and meaning."""
    boxes = [info.name for info in infos if len(info.shape) == 3 and info.shape[-1] in (4, None)]
    counts = [info.name for info in infos if len(info.shape) <= 1]
    vectors = [info.name for info in infos if len(info.shape) == 2]
    missing = []
    if len(boxes) != 1:
        missing.append(f"boxes [1,N,4] ({len(boxes)} candidates)")
    if len(counts) != 1:
        missing.append(f"count [1] ({len(counts)} candidates)")
    if len(vectors) != 2:
        missing.append(f"classes and scores, two [1,N] outputs ({len(vectors)} candidates)")
    if missing:
        raise ModelError(
            "outputs do not fit the built-in post-processing convention (boxes, classes, "
            f"scores, count): cannot find {'; '.join(missing)}; "
            f"the model gives {describe_outputs(infos)}"
        )
    split = split_by_hint(vectors, ("class",), ("score",)) or split_by_meaning(
        vectors, probe, count_name=counts[0]
    )
    if split is None:
        raise ModelError(
            f"cannot tell classes from scores among outputs {vectors}: their names do not say "
            "and probe frames gave no telling values; name them in the manifest's "
            "postprocess.outputs"
        )
    classes, scores = split
    return {"boxes": boxes[0], "classes": classes, "scores": scores, "count": counts[0]}


def map_gluoncv(infos: Sequence[TensorInfo], probe: ProbeOutputs) -> dict[str, str]:
    """GluonCV's ids ``[1,N,1]``, scores ``[1,N,1]`` and pixel boxes ``[1,N,4]``."""
    boxes = [info.name for info in infos if len(info.shape) == 3 and info.shape[-1] == 4]
    columns = [info.name for info in infos if len(info.shape) == 3 and info.shape[-1] == 1]
    if len(boxes) != 1 or len(columns) != 2:
        raise ModelError(
            "outputs do not fit the GluonCV convention (ids [1,N,1], scores [1,N,1], "
            f"bboxes [1,N,4]); the model gives {describe_outputs(infos)}"
        )
    split = split_by_hint(columns, ("id", "class"), ("score",)) or split_by_meaning(columns, probe)
    if split is None:
        raise ModelError(
            f"cannot tell ids from scores among outputs {columns}; name them in the "
            "manifest's postprocess.outputs"
        )
    ids, scores = split
    return {"ids": ids, "scores": scores, "boxes": boxes[0]}


def map_head(infos: Sequence[TensorInfo]) -> dict[str, str]:
    """A raw SSD head: box encodings ``[1,A,4]`` and class scores ``[1,A,C]``."""
    encodings = [info.name for info in infos if len(info.shape) == 3 and info.shape[-1] == 4]
    scores = [info.name for info in infos if len(info.shape) == 3 and info.shape[-1] != 4]
    if len(encodings) != 1 or len(scores) != 1:
        raise ModelError(
            "outputs do not fit an SSD head (box encodings [1,A,4], class scores [1,A,C]); "
            f"the model gives {describe_outputs(infos)}"
        )
    return {"box_encodings": encodings[0], "class_scores": scores[0]}


def guess_convention(infos: Sequence[TensorInfo]) -> str:
    """The post-processing convention a model's outputs fit, by their shapes alone."""
    ranks = sorted(len(info.shape) for info in infos)
    last = sorted(info.shape[-1] or 0 for info in infos if len(info.shape) == 3)
    if len(infos) == 4:
        return "builtin"
    if len(infos) == 3 and ranks == [3, 3, 3] and last == [1, 1, 4]:
        return "gluoncv"
    if len(infos) == 2 and ranks == [3, 3] and 4 in last:
        return "ssd_head"
    raise ModelError(
        "outputs fit no known convention: built-in post-processing (boxes [1,N,4], classes "
        "[1,N], scores [1,N], count [1]), an SSD head (box encodings [1,A,4] and class scores "
        "[1,A,C], plus anchors) or GluonCV (ids, scores [1,N,1], bboxes [1,N,4]); "
        f"the model gives {describe_outputs(infos)}"
    )
