"""The default model on real photos, through both runtimes."""

from __future__ import annotations

import numpy as np
import pytest

from seesay_detector.frames import list_images, read_image

EXPECTED = {
    "pets.jpg": {"dog"},
    "grace_hopper.bmp": {"person"},
    "cat_720p.jpg": {"cat"},
    "parrot.jpg": {"bird"},
    "traffic_0001.bmp": {"car"},
    "checker300X300.bmp": set(),
}


@pytest.mark.parametrize("photo", sorted(EXPECTED))
def test_onnx_finds_what_is_in_each_photo(onnx_detector, images, photo):
    result = onnx_detector.detect(read_image(images / photo))
    labels = {detection.label for detection in result.detections}
    assert EXPECTED[photo] <= labels
    if not EXPECTED[photo]:
        assert labels == set()


def test_pets_photo_has_two_dogs_above_0_7(onnx_detector, images):
    result = onnx_detector.detect(read_image(images / "pets.jpg"))
    dogs = [d for d in result.detections if d.label == "dog"]
    assert len(dogs) == 2
    assert all(d.score > 0.7 for d in dogs)
    for dog in dogs:
        xmin, ymin, xmax, ymax = dog.box
        assert 0 <= xmin < xmax <= 1 and 0 <= ymin < ymax <= 1


def _photos(images):
    return [path for path in list_images(images)]


def test_onnx_head_reproduces_tflite_detections(onnx_detector, tflite_detector, images):
    """Same labels in the same order at score >= 0.5, scores within 0.01, on every photo."""
    compared = 0
    for photo in _photos(images):
        rgb = read_image(photo)
        onnx = onnx_detector.detect(rgb).detections
        tflite = tflite_detector.detect(rgb).detections
        assert [d.label for d in onnx] == [d.label for d in tflite], photo.name
        for ours, theirs in zip(onnx, tflite):
            assert abs(ours.score - theirs.score) < 0.01, photo.name
            assert np.allclose(ours.box, theirs.box, atol=0.02), photo.name
        compared += len(onnx)
    assert compared >= 8


def test_a_pure_red_frame_reaches_the_model_as_red(model_dir, tmp_path):
    """D06: OpenCV decodes BGR; the model must get RGB."""
    import cv2

    from seesay_detector.model import load_model_spec
    from seesay_detector.preprocess import to_input_tensor

    red_bgr = np.zeros((40, 60, 3), np.uint8)
    red_bgr[:, :, 2] = 255
    path = tmp_path / "red.png"
    cv2.imwrite(str(path), red_bgr)
    tensor = to_input_tensor(read_image(path), load_model_spec(model_dir).input)
    assert tensor.dtype == np.uint8 and tensor.shape == (1, 300, 300, 3)
    assert tuple(tensor[0, 150, 150]) == (255, 0, 0)
