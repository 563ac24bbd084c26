"""Models that could never detect anything are refused at load, with one line naming the key.

Unusable labels (D04's kind), post-processing settings that make detection
impossible, files outside the model folder, unknown keys, and output maps that
put a tensor of the wrong shape in a role: each is a ModelError before the
first frame, never "nothing seen" or a traceback per frame.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from seesay_detector.backends import TensorInfo
from seesay_detector.detector import Detector
from seesay_detector.model import ModelError, read_manifest

BOXES = [[0.1, 0.1, 0.5, 0.5], [0.2, 0.5, 0.9, 0.9]]
NAMES = {"boxes": "b", "classes": "c", "scores": "s", "count": "n"}
ANCHORS = 6
COLUMNS = 5  # background and four classes


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _refusal(folder) -> str:
    with pytest.raises(ModelError) as refused:
        Detector(folder, backend="synthetic")
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.fixture
def builtin_model(synthetic_model, four_outputs):
    """``make(postprocess=, labels=, files=, manifest=)``: a post-processed model folder."""

    def make(postprocess=None, labels=None, files=None, manifest=None):
        outputs, info = four_outputs(BOXES, [1, 3], [0.9, 0.8], 2, names=NAMES)
        folder, _ = synthetic_model(
            outputs,
            info,
            postprocess={"outputs": NAMES, **(postprocess or {})},
            labels=labels,
            files=files,
        )
        if manifest:
            path = folder / "seesay-model.json"
            path.write_text(json.dumps({**json.loads(path.read_text()), **manifest}))
        return folder

    return make


@pytest.fixture
def head_model(synthetic_model):
    """``make(**postprocess)``: a raw SSD head with six anchors and four score columns."""

    def make(files=None, **postprocess):
        rng = np.random.default_rng(0)
        outputs = {
            "encodings": rng.normal(0, 0.1, (1, ANCHORS, 4)).astype(np.float32),
            "scores": rng.uniform(0, 1, (1, ANCHORS, COLUMNS)).astype(np.float32),
        }
        info = [TensorInfo(name, value.shape, "float32") for name, value in outputs.items()]
        anchors = np.tile(np.float32([0.5, 0.5, 0.2, 0.2]), (ANCHORS, 1))
        folder, _ = synthetic_model(
            outputs,
            info,
            postprocess={"type": "ssd_head", "anchors": "anchors.npy", **postprocess},
            files={"anchors.npy": _npy(anchors), **(files or {})},
        )
        return folder

    return make


def test_the_synthetic_models_load_and_detect_when_nothing_is_wrong(builtin_model, head_model):
    frame = np.zeros((48, 64, 3), np.uint8)
    found = Detector(builtin_model(), backend="synthetic", score_threshold=0).detect(frame)
    assert [d.label for d in found.detections] == ["person", "dog"]
    Detector(head_model(), backend="synthetic", score_threshold=0).detect(frame)


# Labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "files"),
    [
        ("labels.txt", {"labels.txt": b""}),
        ("labels.txt", {"labels.txt": b"???\n???\n\n???\n"}),
        ([], None),
        (["???", "  "], None),
    ],
    ids=["empty-file", "only-unused-lines", "empty-list", "only-unused-entries"],
)
def test_d04_a_label_set_with_no_usable_label_is_refused(builtin_model, labels, files):
    message = _refusal(builtin_model(labels=labels, files=files))
    assert "labels: no usable label" in message


def test_d04_a_label_no_message_could_carry_is_refused(builtin_model):
    message = _refusal(builtin_model(labels=["???", "person", "x" * 150]))
    assert "labels: line 3" in message and "longer than 100 characters" in message


def test_d04_a_binary_label_file_is_refused_not_decoded(builtin_model):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    assert "is not UTF-8 text" in _refusal(
        builtin_model(labels="labels.txt", files={"labels.txt": png})
    )
    nul = b"person\n\x00\x01\x02\n"
    assert "control characters" in _refusal(
        builtin_model(labels="labels.txt", files={"labels.txt": nul})
    )


@pytest.mark.parametrize("name", ["/etc/passwd", "../labels.txt", "sub/../../labels.txt"])
def test_label_files_must_be_inside_the_model_folder(builtin_model, tmp_path, name):
    (tmp_path / "labels.txt").write_text("person\ndog\n")
    message = _refusal(builtin_model(labels=name))
    assert message.count("labels:") == 1 and "outside the model folder" in message


@pytest.mark.parametrize(
    ("offset", "complaint"),
    [
        (4, "label_offset is 4"),
        (400, "label_offset is 400"),
        ("x", "label_offset: Input should be a valid integer"),
        (1.5, "label_offset: Input should be a valid integer"),
    ],
)
def test_d04_a_label_offset_that_reaches_no_label_is_refused(builtin_model, offset, complaint):
    assert complaint in _refusal(builtin_model(postprocess={"label_offset": offset}))


def test_d04_an_ssd_head_offset_is_checked_against_its_score_columns(head_model):
    # Columns 1..3 plus 3 give lines 4..6 of a four-line list: nothing.
    assert "label_offset is 3" in _refusal(head_model(label_offset=3))


# Post-processing settings --------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ({"max_detections": 0}, "postprocess.max_detections: Input should be greater than"),
        ({"max_detections": -5}, "postprocess.max_detections: Input should be greater than"),
        ({"box_coder_scales": [10, 0, 5, 5]}, "postprocess.box_coder_scales.1"),
        ({"iou_threshold": float("nan")}, "postprocess.iou_threshold: Input should be a finite"),
        ({"iou_threshold": 1.5}, "postprocess.iou_threshold: Input should be less than"),
        ({"iou_threshold": -0.1}, "postprocess.iou_threshold: Input should be greater than"),
        ({"candidate_score": float("inf")}, "postprocess.candidate_score"),
        ({"background_column": 5}, "background_column is 5"),
        ({"background_column": -1}, "postprocess.background_column"),
        ({"anchors": "../anchors.npy"}, "postprocess.anchors"),
        ({"iou": 0.5}, "postprocess.iou: unknown key"),
    ],
)
def test_head_settings_that_make_detection_impossible_are_refused(head_model, setting, complaint):
    assert complaint in _refusal(head_model(**setting))


@pytest.mark.parametrize(
    "anchors",
    [
        b"garbage, not numpy",
        _npy(np.array(["a", "b", "c", "d"] * 6).reshape(6, 4)),
        _npy(np.full((6, 4), np.nan, np.float32)),
    ],
    ids=["not-npy", "strings", "nan"],
)
def test_unusable_anchors_are_refused_at_load(head_model, anchors):
    message = _refusal(head_model(files={"anchors.npy": anchors}))
    assert "anchors" in message


def test_head_only_keys_on_a_post_processed_model_are_refused(builtin_model):
    message = _refusal(builtin_model(postprocess={"iou_threshold": 0.5}))
    assert "postprocess.iou_threshold cannot be used with builtin outputs" in message


# The manifest as a whole ------------------------------------------------------------


@pytest.mark.parametrize(
    ("manifest", "complaint"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"input": {"width": 64, "height": 48, "dtype": "uint8", "size": 3}}, "input.size"),
        ({"backends": {"synthetic": {"file": "/etc/passwd"}}}, "backends.synthetic.file"),
        ({"origin": {"sha256": {"../x": "0" * 64}}}, "origin.sha256"),
        ({"origin": {"sha256": {"none": "not hex"}}}, "origin.sha256.none"),
    ],
)
def test_unknown_keys_and_paths_outside_the_folder_are_refused(builtin_model, manifest, complaint):
    assert complaint in _refusal(builtin_model(manifest=manifest))


def test_a_manifest_that_is_not_text_is_refused(builtin_model):
    folder = builtin_model()
    (folder / "seesay-model.json").write_bytes(b"\xff\xfe\x00{")
    assert "is not UTF-8 text" in _refusal(folder)


# Output maps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "tensor", "complaint"),
    [
        # the boxes [1,10,4] as the count
        ("count", "TFLite_Detection_PostProcess", r"outputs\.count names .* \[1,10,4\]"),
        # the classes [1,10] as the boxes
        ("boxes", "TFLite_Detection_PostProcess:1", r"outputs\.boxes names .* \[1,10\]"),
        # the count [1] as the scores: ten boxes, one score
        ("scores", "TFLite_Detection_PostProcess:3", r"outputs names .*disagree.*scores="),
    ],
)
def test_d02_an_output_map_naming_a_tensor_of_the_wrong_shape_is_refused(
    model_dir, tmp_path, role, tensor, complaint
):
    folder = tmp_path / "wrong_map"
    folder.mkdir()
    for path in model_dir.iterdir():
        (folder / path.name).symlink_to(path)
    manifest = read_manifest(model_dir)
    manifest["backends"]["tflite"]["postprocess"]["outputs"][role] = tensor
    (folder / "seesay-model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=rf"backends\.tflite\.postprocess\.{complaint}"):
        Detector(folder, backend="tflite")
