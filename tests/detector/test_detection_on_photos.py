"""The default model on real photos, through both runtimes, and their parity."""

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


def _assert_same_detections(onnx_detector, tflite_detector, rgb, name) -> int:
    onnx = onnx_detector.detect(rgb).detections
    tflite = tflite_detector.detect(rgb).detections
    assert [d.label for d in onnx] == [d.label for d in tflite], name
    for ours, theirs in zip(onnx, tflite):
        assert abs(ours.score - theirs.score) < 0.01, name
        assert np.allclose(ours.box, theirs.box, atol=0.02), name
    return len(onnx)


def test_onnx_head_reproduces_tflite_detections(onnx_detector, tflite_detector, images):
    """Same labels in the same order at score >= 0.5, scores within 0.01, on every photo."""
    compared = sum(
        _assert_same_detections(onnx_detector, tflite_detector, read_image(photo), photo.name)
        for photo in list_images(images)
    )
    assert compared >= 8


SKIMAGE_PHOTOS = {
    "chelsea": "cat",
    "astronaut": "person",
    "coffee": "cup",
    "stereo_motorcycle": "motorcycle",
}


@pytest.mark.parametrize("photo", sorted(SKIMAGE_PHOTOS))
def test_onnx_head_reproduces_tflite_on_scikit_image_photos(onnx_detector, tflite_detector, photo):
    """scikit-image's photos ship with the package: no download, and not the shared ones."""
    from skimage import data

    rgb = getattr(data, photo)()
    if isinstance(rgb, tuple):  # stereo_motorcycle gives (left, right, disparity)
        rgb = rgb[0]
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    _assert_same_detections(onnx_detector, tflite_detector, rgb, photo)
    labels = {d.label for d in onnx_detector.detect(rgb).detections}
    assert SKIMAGE_PHOTOS[photo] in labels
