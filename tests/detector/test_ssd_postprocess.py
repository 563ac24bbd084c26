"""SSD decoding and NMS against hand-worked values and the plain algorithm."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seesay_detector.ssd import decode_boxes, non_max_suppression, postprocess_head


def test_zero_encoding_decodes_to_the_anchor():
    anchors = np.array([[0.5, 0.5, 0.2, 0.4]], np.float32)
    boxes = decode_boxes(np.zeros((1, 4), np.float32), anchors, (10, 10, 5, 5))
    assert np.allclose(boxes, [[0.4, 0.3, 0.6, 0.7]])


def test_encoding_shifts_and_scales_the_anchor():
    anchors = np.array([[0.5, 0.5, 0.2, 0.2]], np.float32)
    encodings = np.array([[10 * 0.1 / 0.2, 0.0, 5 * np.log(2), 0.0]], np.float32)
    ((ymin, xmin, ymax, xmax),) = decode_boxes(encodings, anchors, (10, 10, 5, 5))
    assert np.isclose((ymin + ymax) / 2, 0.6) and np.isclose(ymax - ymin, 0.4)
    assert np.isclose(xmax - xmin, 0.2)


def test_nms_drops_overlaps_above_threshold_and_keeps_order():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 0.9], [0, 0, 0.2, 0.2], [0.5, 0.5, 1, 1]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.95], np.float32)
    kept = non_max_suppression(boxes, scores, iou_threshold=0.6, max_detections=10)
    # box 1 overlaps box 0 at IoU 0.9: dropped. Box 3 overlaps box 0 at 0.25: kept.
    assert kept.tolist() == [3, 0, 2]


def test_nms_stops_at_max_detections():
    boxes = np.array([[i, i, i + 0.5, i + 0.5] for i in range(20)], np.float32)
    kept = non_max_suppression(boxes, np.linspace(1, 0.1, 20), 0.5, max_detections=5)
    assert kept.tolist() == [0, 1, 2, 3, 4]


def _reference_head(encodings, class_scores, anchors):
    """The plain algorithm: mask background, best class per anchor, NMS over every candidate."""
    scores = class_scores.copy()
    scores[:, 0] = -np.inf
    classes = scores.argmax(axis=1)
    best = scores[np.arange(len(scores)), classes]
    candidates = np.flatnonzero(best > 1e-8)
    boxes = decode_boxes(encodings[candidates], anchors[candidates], (10, 10, 5, 5))
    kept = non_max_suppression(boxes, best[candidates], 0.6, 10)
    return boxes[kept], classes[candidates][kept], best[candidates][kept]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sharpness=st.integers(1, 30),
    rounding=st.sampled_from([None, 1, 2]),
)
def test_shortlisted_head_postprocess_equals_the_plain_algorithm(seed, sharpness, rounding):
    """Including tied scores, and score tables where few candidates survive NMS."""
    rng = np.random.default_rng(seed)
    anchors = np.column_stack([rng.random((400, 2)), rng.uniform(0.05, 0.5, (400, 2))]).astype(
        np.float32
    )
    encodings = rng.normal(0, 1, (400, 4)).astype(np.float32)
    class_scores = (rng.random((400, 8)) ** sharpness).astype(np.float32)
    if rounding is not None:
        class_scores = np.round(class_scores, rounding)
    expected = _reference_head(encodings, class_scores, anchors)
    actual = postprocess_head(encodings, class_scores, anchors, (10, 10, 5, 5), 0, 0.6, 10, 1e-8)
    for mine, plain in zip(actual, expected):
        assert np.array_equal(mine, plain)
