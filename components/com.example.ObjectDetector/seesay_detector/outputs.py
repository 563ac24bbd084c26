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

from dataclasses import dataclass
from typing import Any, Protocol

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
from seesay_detector.model import ModelError, ModelSpec
from seesay_detector.preprocess import FULL_INPUT, Placement
from seesay_detector.ssd import postprocess_head

CONVENTIONS = ("builtin", "ssd_head", "gluoncv")
BOX_ORDERS = ("yxyx", "xyxy")


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
        section: dict[str, Any],
        names: dict[str, str],
        infos: list[TensorInfo],
    ) -> None:
        if "anchors" not in section:
            raise ModelError("manifest postprocess for an SSD head has no 'anchors' file")
        self.names = names
        self._anchors = np.load(spec.path(section["anchors"])).astype(np.float32)
        if self._anchors.ndim != 2 or self._anchors.shape[1] != 4:
            raise ModelError(
                f"anchors {section['anchors']} are {list(self._anchors.shape)}, not [A, 4]"
            )
        declared = {info.name: info for info in infos}[names["box_encodings"]].shape[1]
        if declared is not None and declared != len(self._anchors):
            raise ModelError(
                f"the model has {declared} box encodings but {section['anchors']} "
                f"holds {len(self._anchors)} anchors"
            )
        scales = section.get("box_coder_scales", [10.0, 10.0, 5.0, 5.0])
        if not (isinstance(scales, list) and len(scales) == 4):
            raise ModelError("manifest postprocess.box_coder_scales must be four numbers")
        self._scales = tuple(float(scale) for scale in scales)
        self._background = section.get("background_column", 0)
        self._label_offset = int(section.get("label_offset", 0))
        self._iou = float(section.get("iou_threshold", 0.6))
        self._max_detections = int(section.get("max_detections", 10))
        self._candidate_score = float(section.get("candidate_score", 1e-8))

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
    section: dict[str, Any] = spec.backend(backend_name).get("postprocess", {})
    where = f"backends.{backend_name}.postprocess"
    convention = section.get("type") or guess_convention(infos)
    if convention not in CONVENTIONS:
        raise ModelError(f"manifest {where}.type {convention!r} is not one of {CONVENTIONS}")
    box_order = section.get("box_order", "yxyx")
    if box_order not in BOX_ORDERS:
        raise ModelError(f"manifest {where}.box_order {box_order!r} is not one of {BOX_ORDERS}")
    label_offset = int(section.get("label_offset", 0))
    wanted = section.get("outputs")

    if convention == "builtin":
        roles = ("boxes", "classes", "scores", "count")
        names = (
            named_outputs(wanted, roles, infos, f"{where}.outputs")
            if wanted
            else map_builtin(infos, probe)
        )
        return BuiltinDecoder(names, label_offset, box_order)
    if convention == "gluoncv":
        roles = ("ids", "scores", "boxes")
        names = (
            named_outputs(wanted, roles, infos, f"{where}.outputs")
            if wanted
            else map_gluoncv(infos, probe)
        )
        return GluonCvDecoder(names, label_offset, spec.input.width, spec.input.height)
    roles = ("box_encodings", "class_scores")
    given = {role: section[role] for role in roles if role in section}
    names = named_outputs(given, roles, infos, where) if given else map_head(infos)
    return HeadDecoder(spec, section, names, infos)


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
