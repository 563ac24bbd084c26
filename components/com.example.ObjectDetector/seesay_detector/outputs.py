"""From a model's raw outputs to ``(label, score, box)`` detections.

Two conventions, chosen by the manifest's ``postprocess.type``:

- ``ssd_head``: raw box encodings and class scores, decoded against anchors
  then class-agnostic NMS (:mod:`seesay_detector.ssd`);
- ``builtin``: the model already ran its post-processing and gives four
  tensors (boxes, classes, scores, count) in whatever order its exporter chose;
  they are told apart by shape and meaning, never by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from seesay.contract import Detection
from seesay_detector.model import ModelError, ModelSpec
from seesay_detector.ssd import postprocess_head


@dataclass(frozen=True)
class BuiltinOutputs:
    """Names of the four post-processed tensors of a model."""

    boxes: str
    classes: str
    scores: str
    count: str


def map_builtin_outputs(outputs: dict[str, np.ndarray]) -> BuiltinOutputs:
    """Tell boxes, classes, scores and count apart by shape, then by values."""
    squeezed = {name: np.asarray(value).reshape(-1) if np.asarray(value).ndim <= 1
                else np.asarray(value) for name, value in outputs.items()}
    boxes = [name for name, value in outputs.items() if value.ndim == 3 and value.shape[-1] == 4]
    counts = [name for name, value in outputs.items() if value.size == 1]
    vectors = [name for name, value in outputs.items()
               if value.ndim == 2 and name not in boxes and value.size != 1]
    if len(boxes) != 1 or len(counts) != 1 or len(vectors) != 2:
        shapes = ", ".join(f"{name} {list(value.shape)}" for name, value in outputs.items())
        raise ModelError(
            "cannot map outputs to boxes [1,N,4], classes [1,N], scores [1,N] and count [1]: "
            f"the model gives {shapes}"
        )
    first, second = vectors
    if _looks_like_classes(squeezed[first]) and not _looks_like_classes(squeezed[second]):
        classes, scores = first, second
    elif _looks_like_classes(squeezed[second]) and not _looks_like_classes(squeezed[first]):
        classes, scores = second, first
    else:
        by_name = {name: name.lower() for name in vectors}
        classes = next((name for name in vectors if "class" in by_name[name]), None)
        scores = next((name for name in vectors if "score" in by_name[name]), None)
        if classes is None or scores is None:
            raise ModelError(f"cannot tell classes from scores among outputs {vectors}")
    return BuiltinOutputs(boxes=boxes[0], classes=classes, scores=scores, count=counts[0])


def _looks_like_classes(values: np.ndarray) -> bool:
    """Class ids are whole numbers and some exceed 1; scores are fractions in 0..1."""
    values = values.reshape(-1)
    whole = np.all(np.equal(np.mod(values, 1), 0))
    return bool(whole and values.max(initial=0) > 1) or bool(
        whole and np.any((values != 0) & (values != 1))
    )


class OutputDecoder:
    """Decodes one model's outputs; built once per model, used per frame."""

    def __init__(self, spec: ModelSpec, backend_name: str, score_threshold: float) -> None:
        section: dict[str, Any] = spec.backend(backend_name).get("postprocess", {})
        self._spec = spec
        self._kind = section.get("type", "builtin")
        self._label_offset = int(section.get("label_offset", 0))
        self._score_threshold = score_threshold
        self._mapping: BuiltinOutputs | None = None
        if "outputs" in section:
            try:
                self._mapping = BuiltinOutputs(**section["outputs"])
            except TypeError as error:
                raise ModelError(f"manifest postprocess.outputs: {error}") from error
        if self._kind == "ssd_head":
            self._section = section
            self._anchors = np.load(spec.path(section["anchors"])).astype(np.float32)
            self._scales = tuple(float(scale) for scale in section["box_coder_scales"])
        elif self._kind != "builtin":
            raise ModelError(f"unknown postprocess type {self._kind!r} in manifest")

    def decode(self, outputs: dict[str, np.ndarray]) -> list[Detection]:
        """Detections at or above the score threshold, best first, boxes as xyxy."""
        if self._kind == "ssd_head":
            boxes, classes, scores = self._decode_head(outputs)
        else:
            boxes, classes, scores = self._decode_builtin(outputs)

        detections = []
        for box, class_id, score in zip(boxes, classes, scores):
            if score < self._score_threshold:
                continue
            label = self._spec.label(int(class_id) + self._label_offset)
            if label is None:
                continue
            ymin, xmin, ymax, xmax = (float(value) for value in np.clip(box, 0.0, 1.0))
            ymin, ymax = min(ymin, ymax), max(ymin, ymax)
            xmin, xmax = min(xmin, xmax), max(xmin, xmax)
            if ymax - ymin <= 0 or xmax - xmin <= 0:
                continue
            detections.append(Detection(label, float(score), (xmin, ymin, xmax, ymax)))
        return detections

    def _decode_head(self, outputs: dict[str, np.ndarray]):
        section = self._section
        try:
            encodings = outputs[section["box_encodings"]][0]
            class_scores = outputs[section["class_scores"]][0]
        except KeyError as error:
            raise ModelError(f"model has no output named {error}") from error
        return postprocess_head(
            encodings,
            class_scores,
            self._anchors,
            self._scales,
            section.get("background_column", 0),
            float(section.get("iou_threshold", 0.6)),
            int(section.get("max_detections", 10)),
            float(section.get("candidate_score", 1e-8)),
        )

    def _decode_builtin(self, outputs: dict[str, np.ndarray]):
        if self._mapping is None:
            self._mapping = map_builtin_outputs(outputs)
        mapping = self._mapping
        boxes = outputs[mapping.boxes][0]
        classes = outputs[mapping.classes].reshape(-1)
        scores = outputs[mapping.scores].reshape(-1)
        count = min(int(np.asarray(outputs[mapping.count]).reshape(-1)[0]), len(scores), len(boxes))
        count = max(count, 0)
        return boxes[:count], classes[:count], scores[:count]
