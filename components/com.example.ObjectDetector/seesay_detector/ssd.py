"""SSD post-processing: anchor decoding and class-agnostic non-maximum suppression.

This reproduces what TensorFlow Lite's ``TFLite_Detection_PostProcess`` does
for a raw SSD head, so a head exported to ONNX gives the same detections as
the TFLite model with post-processing built in.
"""

from __future__ import annotations

import numpy as np


def decode_boxes(
    encodings: np.ndarray, anchors_yxhw: np.ndarray, scales: tuple[float, float, float, float]
) -> np.ndarray:
    """Decode ``(ty, tx, th, tw)`` box encodings against ``(y, x, h, w)`` anchors.

    Returns ``[N, 4]`` boxes as ``(ymin, xmin, ymax, xmax)``, normalised.
    """
    y_scale, x_scale, h_scale, w_scale = scales
    anchor_y, anchor_x, anchor_h, anchor_w = anchors_yxhw.T
    y_center = encodings[:, 0] / y_scale * anchor_h + anchor_y
    x_center = encodings[:, 1] / x_scale * anchor_w + anchor_x
    half_h = np.exp(encodings[:, 2] / h_scale) * anchor_h / 2
    half_w = np.exp(encodings[:, 3] / w_scale) * anchor_w / 2
    return np.stack(
        [y_center - half_h, x_center - half_w, y_center + half_h, x_center + half_w], axis=1
    )


def non_max_suppression(
    boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_detections: int
) -> np.ndarray:
    """Greedy class-agnostic NMS; returns indices into ``boxes``, best first.

    Each step compares the best remaining box with all the others at once, so
    the loop runs at most ``max_detections`` times.
    """
    order = np.argsort(-scores, kind="stable")
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(
        boxes[:, 3] - boxes[:, 1], 0, None
    )
    kept: list[int] = []
    while order.size and len(kept) < max_detections:
        best, rest = order[0], order[1:]
        kept.append(int(best))
        top = np.maximum(boxes[best, 0], boxes[rest, 0])
        left = np.maximum(boxes[best, 1], boxes[rest, 1])
        bottom = np.minimum(boxes[best, 2], boxes[rest, 2])
        right = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
        union = areas[best] + areas[rest] - overlap
        iou = np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(kept, dtype=np.int64)


def postprocess_head(
    encodings: np.ndarray,
    class_scores: np.ndarray,
    anchors_yxhw: np.ndarray,
    scales: tuple[float, float, float, float],
    background_column: int | None,
    iou_threshold: float,
    max_detections: int,
    candidate_score: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn one image's raw SSD head outputs into (boxes yxyx, class columns, scores).

    Like TFLite's post-processing: each anchor keeps its best non-background
    class, then one NMS runs across all classes.
    """
    if background_column is None:
        classes = class_scores.argmax(axis=1)
    elif background_column == 0:
        classes = class_scores[:, 1:].argmax(axis=1) + 1  # a view: no copy of the table
    else:
        masked = class_scores.copy()
        masked[:, background_column] = -np.inf
        classes = masked.argmax(axis=1)
    best = class_scores[np.arange(class_scores.shape[0]), classes]

    candidates = np.flatnonzero(best > candidate_score)
    kept = _nms_over_best(
        encodings, anchors_yxhw, scales, candidates, best[candidates], iou_threshold, max_detections
    )
    boxes = decode_boxes(encodings[kept], anchors_yxhw[kept], scales)
    return boxes, classes[kept], best[kept]


SHORTLIST = 100


def _nms_over_best(
    encodings: np.ndarray,
    anchors_yxhw: np.ndarray,
    scales: tuple[float, float, float, float],
    candidates: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    max_detections: int,
) -> np.ndarray:
    """Anchor indices NMS keeps, best first, decoding only a shortlist of boxes.

    Greedy NMS decides each box by the boxes scoring above it alone, so NMS
    over the best ``SHORTLIST`` candidates keeps exactly what NMS over all of
    them keeps, as long as it fills ``max_detections``; otherwise it is run
    again over every candidate.
    """
    if candidates.size > SHORTLIST:
        # Ties with the last place come along, and index order is kept, so the
        # shortlist sorts exactly as the full list would.
        cutoff = -np.partition(-scores, SHORTLIST - 1)[SHORTLIST - 1]
        top = np.flatnonzero(scores >= cutoff)
        boxes = decode_boxes(encodings[candidates[top]], anchors_yxhw[candidates[top]], scales)
        kept = non_max_suppression(boxes, scores[top], iou_threshold, max_detections)
        if kept.size == max_detections:
            return candidates[top][kept]
    boxes = decode_boxes(encodings[candidates], anchors_yxhw[candidates], scales)
    return candidates[non_max_suppression(boxes, scores, iou_threshold, max_detections)]
