"""SSD decoding and NMS against hand-worked values."""

from __future__ import annotations

import numpy as np

from seesay_detector.ssd import decode_boxes, non_max_suppression


def test_zero_encoding_decodes_to_the_anchor():
    anchors = np.array([[0.5, 0.5, 0.2, 0.4]], np.float32)
    boxes = decode_boxes(np.zeros((1, 4), np.float32), anchors, (10, 10, 5, 5))
    assert np.allclose(boxes, [[0.4, 0.3, 0.6, 0.7]])


def test_encoding_shifts_and_scales_the_anchor():
    anchors = np.array([[0.5, 0.5, 0.2, 0.2]], np.float32)
    encodings = np.array([[10 * 0.1 / 0.2, 0.0, 5 * np.log(2), 0.0]], np.float32)
    (ymin, xmin, ymax, xmax), = decode_boxes(encodings, anchors, (10, 10, 5, 5))
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
