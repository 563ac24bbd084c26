"""Cases D01-D05: box order, output order, count, label offsets, dtype; and GluonCV outputs."""

from __future__ import annotations

import numpy as np
import pytest

from seesay_detector.annotate import box_pixels
from seesay_detector.backends import TensorInfo
from seesay_detector.detector import Detector
from seesay_detector.model import ModelError, load_model_spec

FRAME_640x480 = np.zeros((480, 640, 3), np.uint8)


def _detect(folder, frame=FRAME_640x480, threshold=0.0):
    return Detector(folder, backend="synthetic", score_threshold=threshold).detect(frame).detections


# D01 -------------------------------------------------------------------------


def test_d01_yxyx_box_maps_to_pixels_of_the_frame(synthetic_model, four_outputs):
    outputs, info = four_outputs([[0.10, 0.20, 0.50, 0.90]], [1], [0.9], 1)
    folder, _ = synthetic_model(outputs, info)
    (detection,) = _detect(folder)
    assert detection.box == pytest.approx((0.2, 0.1, 0.9, 0.5))
    assert box_pixels(detection.box, (640, 480)) == (128, 48, 576, 240)


def test_d01_inverted_y_values_are_put_in_order_never_negative(synthetic_model, four_outputs):
    outputs, info = four_outputs(
        [[0.50, 0.20, 0.10, 0.90], [0.3, 0.3, 0.3, 0.6], [np.nan, 0, 1, 1]],
        [1, 3, 3],
        [0.9, 0.8, 0.7],
        3,
    )
    folder, _ = synthetic_model(outputs, info)
    detections = _detect(folder)
    assert [box_pixels(d.box, (640, 480)) for d in detections] == [(128, 48, 576, 240)]
    for detection in detections:
        xmin, ymin, xmax, ymax = detection.box
        assert xmax > xmin and ymax > ymin


def test_d01_xyxy_exports_are_declared_in_the_manifest(synthetic_model, four_outputs):
    outputs, info = four_outputs([[0.20, 0.10, 0.90, 0.50]], [1], [0.9], 1)
    folder, _ = synthetic_model(outputs, info, postprocess={"type": "builtin", "box_order": "xyxy"})
    (detection,) = _detect(folder)
    assert box_pixels(detection.box, (640, 480)) == (128, 48, 576, 240)


# D02 -------------------------------------------------------------------------

BOXES = [[0.1, 0.1, 0.5, 0.5], [0.2, 0.5, 0.9, 0.9], [0.0, 0.0, 0.1, 0.1]]
CLASSES = [3, 1, 3]
SCORES = [0.91, 0.62, 0.33]


@pytest.mark.parametrize(
    "order",
    [("boxes", "classes", "scores", "count"), ("scores", "boxes", "count", "classes")],
    ids=["tf1-order", "tf2-order"],
)
def test_d02_outputs_in_either_order_with_opaque_names_map_by_meaning(
    synthetic_model, four_outputs, order
):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3, order=order)
    folder, _ = synthetic_model(outputs, info)
    detections = _detect(folder)
    assert [(d.label, round(d.score, 2)) for d in detections] == [
        ("dog", 0.91),
        ("person", 0.62),
        ("dog", 0.33),
    ]


def test_d02_an_explicit_mapping_in_the_manifest_wins(synthetic_model, four_outputs):
    names = {"boxes": "b", "classes": "c", "scores": "s", "count": "n"}
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3, names=names)
    folder, _ = synthetic_model(outputs, info, postprocess={"type": "builtin", "outputs": names})
    assert [d.label for d in _detect(folder)] == ["dog", "person", "dog"]


def test_d02_a_manifest_naming_absent_outputs_is_refused_at_load(synthetic_model, four_outputs):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3)
    names = {"boxes": "b", "classes": "c", "scores": "s", "count": "n"}
    folder, _ = synthetic_model(outputs, info, postprocess={"outputs": names})
    with pytest.raises(ModelError, match=r"does not have: boxes='b'"):
        Detector(folder, backend="synthetic")


def test_d02_a_model_without_a_count_is_refused_naming_it(synthetic_model, four_outputs):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3)
    info = [item for item in info if item.shape != (1,)] + [
        TensorInfo("extra", (1, 3, 7), "float32")
    ]
    folder, _ = synthetic_model(outputs, info, postprocess={"type": "builtin"})
    with pytest.raises(ModelError, match=r"cannot find count \[1\]"):
        Detector(folder, backend="synthetic")


def test_d02_outputs_that_fit_no_convention_are_refused_listing_them(synthetic_model):
    info = [TensorInfo("logits", (1, 1000), "float32")]
    folder, _ = synthetic_model({"logits": np.zeros((1, 1000), np.float32)}, info)
    with pytest.raises(ModelError, match=r"fit no known convention.*logits \[1,1000\]"):
        Detector(folder, backend="synthetic")


def test_d02_classes_and_scores_that_cannot_be_told_apart_are_refused(
    synthetic_model, four_outputs
):
    # Every probe frame gives zero detections: nothing to tell the vectors apart by.
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 0)
    folder, _ = synthetic_model(outputs, info)
    with pytest.raises(ModelError, match="cannot tell classes from scores.*postprocess.outputs"):
        Detector(folder, backend="synthetic")


def test_d02_name_hints_are_enough_without_probing(synthetic_model, four_outputs):
    names = {
        "boxes": "detection_boxes",
        "classes": "detection_classes",
        "scores": "detection_scores",
        "count": "num_detections",
    }
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 0, names=names)
    folder, _ = synthetic_model(outputs, info)
    assert _detect(folder) == []


# D03 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [(10.0, 10), (0.0, 0), (25.0, 20), (-3.0, 0), (float("nan"), 0), (7.9, 7)],
)
def test_d03_count_is_clamped_to_the_arrays(synthetic_model, four_outputs, count, expected):
    boxes = [[0.1 + i * 0.01, 0.1, 0.5 + i * 0.01, 0.5] for i in range(20)]
    names = {"boxes": "b", "classes": "c", "scores": "s", "count": "n"}
    outputs, info = four_outputs(boxes, [1] * 20, np.linspace(0.9, 0.5, 20), count, names=names)
    folder, _ = synthetic_model(outputs, info, postprocess={"outputs": names})
    assert len(_detect(folder)) == expected


# D04 -------------------------------------------------------------------------


def test_d04_label_offset_and_holes_never_report_unused_ids(synthetic_model, four_outputs):
    names = {"boxes": "b", "classes": "c", "scores": "s", "count": "n"}
    boxes = [[0.1, 0.1, 0.5, 0.5]] * 4
    outputs, info = four_outputs(boxes, [0, 1, 2, 99], [0.9, 0.8, 0.7, 0.6], 4, names=names)
    folder, _ = synthetic_model(
        outputs,
        info,
        postprocess={"outputs": names, "label_offset": 1},
        labels=["???", "person", "???", "dog"],
    )
    assert [d.label for d in _detect(folder)] == ["person", "dog"]


def test_d04_class_zero_is_person_in_both_shared_label_styles(shared):
    with_background = load_model_spec(shared / "models" / "ssd_mobilenet_v1_coco_quant")
    without = load_model_spec(shared / "models" / "ssd_mobilenet_v2_fpnlite_320_coco17")
    v1_offset = with_background.backend("tflite").postprocess.label_offset
    v2_offset = without.backend("tflite").postprocess.label_offset
    assert with_background.label(0 + v1_offset) == "person"
    assert without.label(0 + v2_offset) == "person"
    assert with_background.label(0) is None  # the ??? background line
    assert "???" not in with_background.known_labels | without.known_labels


# D05 -------------------------------------------------------------------------


def test_d05_a_manifest_dtype_that_disagrees_with_the_model_is_refused_at_load(
    synthetic_model, four_outputs
):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3)
    folder, _ = synthetic_model(
        outputs,
        info,
        input={"width": 64, "height": 48, "dtype": "uint8"},
        input_info=TensorInfo("image", (1, 48, 64, 3), "float32"),
    )
    with pytest.raises(ModelError, match="input.dtype is uint8 but the model.*wants float32"):
        Detector(folder, backend="synthetic")


def test_d05_a_manifest_size_that_disagrees_with_the_model_is_refused(
    synthetic_model, four_outputs
):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3)
    folder, _ = synthetic_model(
        outputs, info, input_info=TensorInfo("image", (1, 300, 300, 3), "uint8")
    )
    with pytest.raises(ModelError, match="input.height is 48 but the model"):
        Detector(folder, backend="synthetic")


def test_d05_float_models_get_normalised_float32_and_uint8_models_raw_pixels(
    synthetic_model, four_outputs
):
    outputs, info = four_outputs(BOXES, CLASSES, SCORES, 3)
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:, :32] = 255

    folder, backend = synthetic_model(
        outputs, info, input={"width": 64, "height": 48, "dtype": "float32"}
    )
    Detector(folder, backend="synthetic").detect(frame)
    tensor = backend.inputs[-1]
    assert tensor.dtype == np.float32 and tensor.shape == (1, 48, 64, 3)
    assert tensor[0, 10, 5].tolist() == [1.0, 1.0, 1.0] and tensor[0, 10, 60].tolist() == [
        -1,
        -1,
        -1,
    ]

    folder, backend = synthetic_model(outputs, info)
    Detector(folder, backend="synthetic").detect(frame)
    tensor = backend.inputs[-1]
    assert tensor.dtype == np.uint8 and tensor[0, 10, 5].tolist() == [255, 255, 255]


def test_d05_fed_raw_pixels_the_float_model_finds_nothing(shared, images, tmp_path):
    """The reason normalisation matters: the TF2 SSD on raw 0..255 sees no dogs."""
    import json

    from seesay_detector.frames import read_image
    from seesay_detector.model import read_manifest

    source = shared / "models" / "ssd_mobilenet_v2_fpnlite_320_coco17"
    pets = read_image(images / "pets.jpg")
    assert [d.label for d in Detector(source).detect(pets).detections] == ["dog", "dog"]

    wrong = tmp_path / "raw_pixels"
    wrong.mkdir()
    for name in ("ssd_mobilenet_v2_fpnlite_320_coco17_head.onnx", "anchors_yxhw.npy", "labels.txt"):
        (wrong / name).symlink_to(source / name)
    manifest = read_manifest(source)
    manifest["input"].update(mean=0.0, std=1.0)
    (wrong / "seesay-model.json").write_text(json.dumps(manifest))
    assert Detector(wrong).detect(pets).detections == []


# GluonCV ---------------------------------------------------------------------


def test_gluoncv_ids_scores_and_pixel_boxes_padded_with_minus_one(synthetic_model):
    ids = np.full((1, 100, 1), -1, np.float32)
    scores = np.full((1, 100, 1), -1, np.float32)
    boxes = np.full((1, 100, 4), -1, np.float32)
    ids[0, :3, 0] = [11, 14, 0]  # dog, person, aeroplane in VOC
    scores[0, :3, 0] = [0.93, 0.81, 0.42]
    boxes[0, :3] = [[51.2, 102.4, 256, 512], [0, 0, 256, 256], [10, 10, 20, 20]]
    outputs = {"ssd0_slice_axis41": ids, "ssd0_slice_axis42": scores, "ssd0_slice_axis43": boxes}
    info = [TensorInfo(name, value.shape, "float32") for name, value in outputs.items()]
    folder, backend = synthetic_model(
        outputs,
        info,
        input={
            "width": 512,
            "height": 512,
            "dtype": "float32",
            "layout": "NCHW",
            "mean": [123.675, 116.28, 103.53],
            "std": [58.395, 57.12, 57.375],
        },
        labels="voc.txt",
    )
    detector = Detector(folder, backend="synthetic", score_threshold=0.3)
    detections = detector.detect(np.zeros((100, 200, 3), np.uint8)).detections

    assert detector._decoder.convention == "gluoncv"
    assert [(d.label, round(d.score, 2)) for d in detections] == [
        ("dog", 0.93),
        ("person", 0.81),
        ("aeroplane", 0.42),
    ]
    assert detections[0].box == pytest.approx((0.1, 0.2, 0.5, 1.0))
    assert backend.inputs[-1].shape == (1, 3, 512, 512)
    assert backend.inputs[-1][0, 0, 0, 0] == pytest.approx(-123.675 / 58.395)
    assert len(load_model_spec(folder).known_labels) == 20
