"""All three shared models load from manifests alone and find what is in the photos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seesay_detector.detector import Detector
from seesay_detector.frames import read_image
from seesay_detector.model import load_model_spec, read_manifest, verify_checksums

MODELS = {
    "ssd_mobilenet_v1_coco_quant": ("onnxruntime", "tflite"),
    "ssd_mobilenet_v2_fpnlite_320_coco17": ("onnxruntime", "tflite"),
    "ssdlite_mobilenet_v2_person": ("onnxruntime",),
}


@pytest.fixture(scope="module")
def photos(images):
    return {
        name: read_image(images / name) for name in ("pets.jpg", "grace_hopper.bmp", "cat_720p.jpg")
    }


@pytest.mark.parametrize(
    ("model", "backend"), [(model, backend) for model, pair in MODELS.items() for backend in pair]
)
def test_every_shared_model_loads_from_its_manifest_and_detects(shared, photos, model, backend):
    detector = Detector(shared / "models" / model, backend=backend)
    spec = detector.spec
    assert verify_checksums(spec) == []
    seen = {
        name: {d.label for d in detector.detect(rgb).detections} for name, rgb in photos.items()
    }
    if model == "ssdlite_mobilenet_v2_person":
        assert seen == {"pets.jpg": set(), "grace_hopper.bmp": {"person"}, "cat_720p.jpg": set()}
    else:
        assert seen["pets.jpg"] == {"dog"}
        assert "person" in seen["grace_hopper.bmp"]
        assert seen["cat_720p.jpg"] == {"cat"}


def _folder_with(tmp_path, source, manifest_changes, name="variant"):
    folder = tmp_path / name
    folder.mkdir()
    for path in source.iterdir():
        (folder / path.name).symlink_to(path)
    manifest = read_manifest(source)
    manifest.update(manifest_changes)
    (folder / "seesay-model.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize(
    ("model", "nms_file", "label_offset"),
    [
        ("ssd_mobilenet_v1_coco_quant", "ssd_mobilenet_v1_coco_quant_nms.onnx", 1),
        ("ssd_mobilenet_v2_fpnlite_320_coco17", "ssd_mobilenet_v2_fpnlite_320_coco17_nms.onnx", 0),
    ],
)
def test_d02_real_exports_in_both_output_orders_map_by_shape_and_meaning(
    shared, tmp_path, photos, model, nms_file, label_offset
):
    """The two nms.onnx files list their four outputs in TF1 and TF2 order under opaque names."""
    source = shared / "models" / model
    folder = _folder_with(
        tmp_path,
        source,
        {
            "backends": {
                "onnxruntime": {"file": nms_file, "postprocess": {"label_offset": label_offset}}
            }
        },
    )
    detector = Detector(folder)
    assert detector._decoder.convention == "builtin"
    dogs = [d for d in detector.detect(photos["pets.jpg"]).detections if d.label == "dog"]
    assert len(dogs) == 2 and all(d.score > 0.6 for d in dogs)


def test_tf2_model_onnx_head_reproduces_its_tflite_detections(shared, photos):
    folder = shared / "models" / "ssd_mobilenet_v2_fpnlite_320_coco17"
    onnx, tflite = Detector(folder, "onnxruntime"), Detector(folder, "tflite")
    for name, rgb in photos.items():
        ours, theirs = onnx.detect(rgb).detections, tflite.detect(rgb).detections
        assert [d.label for d in ours] == [d.label for d in theirs], name
        for a, b in zip(ours, theirs):
            assert abs(a.score - b.score) < 0.02, name
            assert np.allclose(a.box, b.box, atol=0.02), name


def test_letterbox_boxes_are_mapped_back_to_the_frame(shared, tmp_path, photos):
    """The person model accepts any size; letterboxed, Grace Hopper's box still fits her frame."""
    source = shared / "models" / "ssdlite_mobilenet_v2_person"
    stretched = Detector(source).detect(photos["grace_hopper.bmp"]).detections
    manifest = read_manifest(source)
    manifest["input"]["resize"] = "letterbox"
    folder = _folder_with(tmp_path, source, {"input": manifest["input"]})
    letterboxed = Detector(folder).detect(photos["grace_hopper.bmp"]).detections
    assert [d.label for d in letterboxed] == ["person"]
    assert np.allclose(letterboxed[0].box, stretched[0].box, atol=0.05)


def test_the_person_model_labels_come_from_the_manifest(shared):
    spec = load_model_spec(shared / "models" / "ssdlite_mobilenet_v2_person")
    assert spec.known_labels == {"person"}
