"""What is published: score thresholds, label allow and deny lists, box size, count.

Applied to each frame's detections before the message is built, in this
order: deny list, allow list, score threshold (per label, else the general
one), minimum box area, then the best ``max_detections``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from seesay.contract import Detection
from seesay_detector.model import ModelError


@dataclass(frozen=True)
class DetectionFilter:
    """Which detections of a frame are worth publishing.

    ``min_area`` is a fraction of the frame (0.01 = one per cent of it);
    ``max_detections`` 0 means no limit; empty ``allow`` means every label.
    """

    score_threshold: float = 0.5
    label_thresholds: Mapping[str, float] = field(default_factory=dict)
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    min_area: float = 0.0
    max_detections: int = 0

    def check_labels(self, known: Iterable[str], model_name: str) -> None:
        """Refuse label names the model cannot report, so a typo does not silence a label."""
        known = set(known)
        for setting, labels in (
            ("AllowLabels", self.allow),
            ("DenyLabels", self.deny),
            ("LabelScoreThresholds", set(self.label_thresholds)),
        ):
            unknown = sorted(set(labels) - known)
            if unknown:
                raise ModelError(
                    f"{setting}: {', '.join(map(repr, unknown))} is not a label of model "
                    f"{model_name!r}"
                )

    def apply(self, detections: Iterable[Detection]) -> list[Detection]:
        """The detections to publish, best score first."""
        kept = []
        for detection in detections:
            if detection.label in self.deny:
                continue
            if self.allow and detection.label not in self.allow:
                continue
            if detection.score < self.label_thresholds.get(detection.label, self.score_threshold):
                continue
            xmin, ymin, xmax, ymax = detection.box
            if (xmax - xmin) * (ymax - ymin) < self.min_area:
                continue
            kept.append(detection)
        kept.sort(key=lambda detection: -detection.score)
        return kept[: self.max_detections] if self.max_detections > 0 else kept
