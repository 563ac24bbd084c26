"""Pre-processing: channel order (D06), letterbox placement and its inverse, layouts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from seesay_detector.frames import read_image
from seesay_detector.model import InputSpec, load_model_spec
from seesay_detector.preprocess import (
    FULL_INPUT,
    Placement,
    Preprocessor,
    letterbox,
    to_input_tensor,
)


def test_d06_a_pure_red_file_reaches_the_model_as_red(model_dir, tmp_path):
    """OpenCV decodes BGR; the model must get RGB."""
    red_bgr = np.zeros((40, 60, 3), np.uint8)
    red_bgr[:, :, 2] = 255
    path = tmp_path / "red.png"
    cv2.imwrite(str(path), red_bgr)
    tensor = to_input_tensor(read_image(path), load_model_spec(model_dir).input)
    assert tensor.dtype == np.uint8 and tensor.shape == (1, 300, 300, 3)
    assert tuple(tensor[0, 150, 150]) == (255, 0, 0)


def test_d06_a_bgr_model_gets_blue_first_and_its_mean_in_its_own_order():
    spec = InputSpec(
        width=8, height=8, dtype="float32", channels="BGR", mean=(10, 20, 30), std=(1, 1, 1)
    )
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    tensor, _ = Preprocessor(spec)(red)
    assert tensor[0, 4, 4].tolist() == [-10.0, -20.0, 225.0]


def test_letterbox_centres_the_frame_and_reports_where_it_is():
    wide = np.full((100, 200, 3), 255, np.uint8)
    canvas, placement = letterbox(wide, 64, 64)
    assert placement == Placement(0.0, 0.25, 1.0, 0.75)
    assert canvas[0, 32].tolist() == [0, 0, 0] and canvas[32, 32].tolist() == [255, 255, 255]


def test_letterboxed_boxes_map_back_to_frame_fractions():
    placement = Placement(0.0, 0.25, 1.0, 0.75)
    # A box covering the whole picture area of the input is the whole frame.
    back = placement.to_frame(
        np.array([[0.25, 0.0, 0.75, 1.0], [0.5, 0.5, 0.625, 0.75]], np.float32)
    )
    assert back.tolist() == [[0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.75, 0.75]]
    assert FULL_INPUT.to_frame(back) is back


def test_letterbox_model_end_to_end_boxes_are_in_frame_fractions(synthetic_model, four_outputs):
    from seesay_detector.detector import Detector

    # The model "sees" an object filling the letterboxed picture's left half.
    outputs, info = four_outputs([[0.25, 0.0, 0.75, 0.5]], [1], [0.9], 1)
    folder, _ = synthetic_model(
        outputs, info, input={"width": 64, "height": 64, "dtype": "uint8", "resize": "letterbox"}
    )
    (detection,) = (
        Detector(folder, backend="synthetic").detect(np.zeros((100, 200, 3), np.uint8)).detections
    )
    assert detection.box == pytest.approx((0.0, 0.0, 0.5, 1.0))


def test_nchw_layout_puts_channels_first():
    spec = InputSpec(
        width=4, height=2, dtype="float32", layout="NCHW", mean=(0, 0, 0), std=(1, 1, 1)
    )
    rgb = np.zeros((2, 4, 3), np.uint8)
    rgb[..., 1] = 7
    tensor, _ = Preprocessor(spec)(rgb)
    assert tensor.shape == (1, 3, 2, 4) and tensor[0, 1].tolist() == [[7.0] * 4] * 2
