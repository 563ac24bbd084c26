"""From a model's raw outputs to ``(label, score, box)`` detections.

Three conventions, chosen by the manifest's ``postprocess.type`` or, when it
is left out, by the shapes of the outputs:

- ``builtin``: the model ran its own post-processing and gives boxes,
  classes, scores and a count, in whatever order and under whatever names
  its exporter chose (TFLite's ``TFLite_Detection_PostProcess``, the TF
  Object Detection API's ``detection_*``/``num_detections``);
- ``ssd_head``: raw box encodings and class scores, decoded against anchors
  then class-agnostic NMS (:mod:`seesay_detector.ssd`);
- ``gluoncv``: MXNet/GluonCV SSDs: ids, scores and boxes in input pixels
  ``(xmin, ymin, xmax, ymax)``, padded with -1.

Every decoder is built once, at load, against the outputs the model declares;
per frame it only indexes arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from seesay.contract import Detection
from seesay_detector.backends import TensorInfo
from seesay_detector.mapping import (
    ProbeOutputs,
    guess_convention,
    map_builtin,
    map_gluoncv,
    map_head,
    named_outputs,
    valid_count,
)
from seesay_detector.manifest import Postprocess
from seesay_detector.model import ModelError, ModelSpec
from seesay_detector.preprocess import FULL_INPUT, Placement
from seesay_detector.ssd import postprocess_head


@dataclass(frozen=True)
class RawDetections:
    """One frame's decoded outputs before labels, clean-up and filters.

    ``boxes`` are ``[N, 4]`` (ymin, xmin, ymax, xmax) as fractions of the
    network input; ``label_indices`` index the model's label list.
    """

    boxes: np.ndarray
    label_indices: np.ndarray
    scores: np.ndarray


class Decoder(Protocol):
    """Turns one frame's outputs into raw detections."""

    convention: str

    def decode(self, outputs: dict[str, np.ndarray]) -> RawDetections:
        """Decode the outputs of one batch-of-one inference."""


def _as_yxyx(boxes: np.ndarray, order: str) -> np.ndarray:
    return boxes[:, [1, 0, 3, 2]] if order == "xyxy" else boxes


class BuiltinDecoder:
    """Four post-processed tensors: boxes, classes, scores, count."""

    convention = "builtin"

    def __init__(self, names: dict[str, str], label_offset: int, box_order: str) -> None:
        self.names = names
        self._label_offset = label_offset
        self._box_order = box_order

    def decode(self, outputs: dict[str, np.ndarray]) -> RawDetections:
        boxes = np.asarray(outputs[self.names["boxes"]], np.float32).reshape(-1, 4)
        classes = np.asarray(outputs[self.names["classes"]], np.float32).reshape(-1)
        scores = np.asarray(outputs[self.names["scores"]], np.float32).reshape(-1)
        count = valid_count(
            outputs[self.names["count"]], min(len(boxes), len(classes), len(scores))
        )
        return RawDetections(
            _as_yxyx(boxes[:count], self._box_order),
            _label_indices(classes[:count], self._label_offset),
            scores[:count],
        )


class HeadDecoder:
    """A raw SSD head: anchor decoding, then class-agnostic NMS as TFLite does it."""

    convention = "ssd_head"

    def __init__(
        self,
        spec: ModelSpec,
        section: Postprocess,
        names: dict[str, str],
        infos: list[TensorInfo],
        where: str,
    ) -> None:
        if section.anchors is None:
            raise ModelError(f"manifest {where}.anchors is missing: an SSD head needs its anchors")
        self.names = names
        self._anchors = load_anchors(spec, section.anchors, f"{where}.anchors")
        by_name = {info.name: info for info in infos}
        encodings, class_scores = by_name[names["box_encodings"]], by_name[names["class_scores"]]
        declared = encodings.shape[1] if len(encodings.shape) == 3 else None
        if declared is not None and declared != len(self._anchors):
            raise ModelError(
                f"manifest {where}.anchors: the model has {declared} box encodings but "
                f"{section.anchors} holds {len(self._anchors)} anchors"
            )
        columns = class_scores.shape[-1] if len(class_scores.shape) == 3 else None
        background = section.background_column
        if columns is not None and background is not None and background >= columns:
            raise ModelError(
                f"manifest {where}.background_column is {background}, but the class scores "
                f"{class_scores.describe()} have columns 0..{columns - 1} only"
            )
        if columns is not None:
            ids = [column for column in range(columns) if column != background]
            check_label_reach(spec, section.label_offset, where, ids)
        else:
            check_label_reach(spec, section.label_offset, where)
        self._scales = section.box_coder_scales
        self._background = background
        self._label_offset = section.label_offset
        self._iou = section.iou_threshold
        self._max_detections = section.max_detections
        self._candidate_score = section.candidate_score

    def decode(self, outputs: dict[str, np.ndarray]) -> RawDetections:
        boxes, columns, scores = postprocess_head(
            outputs[self.names["box_encodings"]][0],
            outputs[self.names["class_scores"]][0],
            self._anchors,
            self._scales,
            self._background,
            self._iou,
            self._max_detections,
            self._candidate_score,
        )
        return RawDetections(boxes, columns.astype(np.int64) + self._label_offset, scores)


class GluonCvDecoder:
    """GluonCV SSD outputs: ids, scores, pixel boxes, padded with -1."""

    convention = "gluoncv"

    def __init__(self, names: dict[str, str], label_offset: int, width: int, height: int) -> None:
        self.names = names
        self._label_offset = label_offset
        self._pixels = np.array([height, width, height, width], np.float32)

    def decode(self, outputs: dict[str, np.ndarray]) -> RawDetections:
        ids = np.asarray(outputs[self.names["ids"]], np.float32).reshape(-1)
        scores = np.asarray(outputs[self.names["scores"]], np.float32).reshape(-1)
        boxes = np.asarray(outputs[self.names["boxes"]], np.float32).reshape(-1, 4)
        real = (ids >= 0) & (scores >= 0)
        return RawDetections(
            _as_yxyx(boxes[real], "xyxy") / self._pixels,
            _label_indices(ids[real], self._label_offset),
            scores[real],
        )


def _label_indices(classes: np.ndarray, offset: int) -> np.ndarray:
    """Class values to label-list indices; non-finite classes become -1 (no label)."""
    finite = np.isfinite(classes)
    indices = np.full(classes.shape, -1, np.int64)
    indices[finite] = np.rint(classes[finite]).astype(np.int64) + offset
    return indices


def open_decoder(
    spec: ModelSpec, backend_name: str, infos: list[TensorInfo], probe: ProbeOutputs
) -> Decoder:
    """The decoder for one backend's model file, checked against its declared outputs."""
    section = spec.backend(backend_name).postprocess
    where = f"backends.{backend_name}.postprocess"
    convention = section.type or guess_convention(infos)
    section.check_keys_for(convention, where)
    wanted = section.outputs

    if convention == "builtin":
        roles = ("boxes", "classes", "scores", "count")
        names = (
            named_outputs(wanted, roles, infos, f"{where}.outputs", convention)
            if wanted
            else map_builtin(infos, probe)
        )
        check_label_reach(spec, section.label_offset, where)
        return BuiltinDecoder(names, section.label_offset, section.box_order)
    if convention == "gluoncv":
        roles = ("ids", "scores", "boxes")
        names = (
            named_outputs(wanted, roles, infos, f"{where}.outputs", convention)
            if wanted
            else map_gluoncv(infos, probe)
        )
        check_label_reach(spec, section.label_offset, where)
        return GluonCvDecoder(
            names, section.label_offset, spec.input.width, spec.input.height
        )
    roles = ("box_encodings", "class_scores")
    given = {role: getattr(section, role) for role in roles if getattr(section, role)}
    names = named_outputs(given, roles, infos, where, convention) if given else map_head(infos)
    return HeadDecoder(spec, section, names, infos, where)


def check_label_reach(
    spec: ModelSpec, offset: int, where: str, class_ids: Iterable[int] | None = None
) -> None:
    """Refuse a label offset with which no class id the model can give names a usable label.

    ``class_ids`` are the ids the model can give, when known (an SSD head's
    score columns); otherwise any id from 0 up.
    """
    usable = spec.usable_indices
    if class_ids is None:
        reachable = [index for index in usable if index - offset >= 0]
    else:
        reachable = [index for index in usable if index - offset in set(class_ids)]
    if not reachable:
        ids = "class ids 0 and up" if class_ids is None else "the model's class ids"
        raise ModelError(
            f"manifest {where}.label_offset is {offset}: {ids} then name no usable label "
            f"(usable lines of the {len(spec.labels)}-line label list: "
            f"{usable[0]}..{usable[-1]})"
        )


def load_anchors(spec: ModelSpec, file_name: str, key: str) -> np.ndarray:
    """An SSD head's ``[A, 4]`` anchors from a .npy file, checked to be finite numbers."""
    path = spec.path(file_name)
    with path.open("rb") as stream:
        if stream.read(6) != b"\x93NUMPY":
            raise ModelError(f"manifest {key}: {file_name} is not a .npy file")
    try:
        anchors = np.load(path, allow_pickle=False)
    except Exception as error:  # numpy raises several types for a broken .npy file
        raise ModelError(f"manifest {key}: {file_name} cannot be read ({error})") from error
    numeric = np.issubdtype(anchors.dtype, np.integer) or np.issubdtype(
        anchors.dtype, np.floating
    )
    if not numeric or anchors.ndim != 2 or anchors.shape[1] != 4 or len(anchors) == 0:
        raise ModelError(
            f"manifest {key}: {file_name} holds {list(anchors.shape)} {anchors.dtype}, "
            "not [A, 4] numbers"
        )
    anchors = anchors.astype(np.float32)
    if not np.all(np.isfinite(anchors)):
        raise ModelError(f"manifest {key}: {file_name} holds values that are not finite")
    return anchors


def to_detections(
    raw: RawDetections, spec: ModelSpec, placement: Placement = FULL_INPUT
) -> list[Detection]:
    """Clean raw detections into labelled ``(xmin, ymin, xmax, ymax)`` frame fractions.

    Drops entries with no label (``???``, out of range), non-finite values or
    no area; puts inverted corners in order; maps letterboxed boxes back to the
    frame and clips them to it. Best score first.
    """
    boxes = np.asarray(raw.boxes, np.float32).reshape(-1, 4)
    scores = np.asarray(raw.scores, np.float32).reshape(-1)
    usable = np.all(np.isfinite(boxes), axis=1) & np.isfinite(scores) & (raw.label_indices >= 0)
    boxes = placement.to_frame(boxes[usable])
    scores = np.clip(scores[usable], 0.0, 1.0)
    indices = raw.label_indices[usable]

    ymin = np.clip(np.minimum(boxes[:, 0], boxes[:, 2]), 0.0, 1.0)
    ymax = np.clip(np.maximum(boxes[:, 0], boxes[:, 2]), 0.0, 1.0)
    xmin = np.clip(np.minimum(boxes[:, 1], boxes[:, 3]), 0.0, 1.0)
    xmax = np.clip(np.maximum(boxes[:, 1], boxes[:, 3]), 0.0, 1.0)

    detections = []
    for i in np.argsort(-scores, kind="stable"):
        label = spec.label(int(indices[i]))
        if label is None or ymax[i] <= ymin[i] or xmax[i] <= xmin[i]:
            continue
        box = (float(xmin[i]), float(ymin[i]), float(xmax[i]), float(ymax[i]))
        detections.append(Detection(label, float(scores[i]), box))
    return detections
