"""Cases D07 (odd images) and D08 (broken input), and a run over 1,000 mixed files."""

from __future__ import annotations

import io
import logging
import random
import threading
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from seesay_detector.component import DetectorComponent
from seesay_detector.frames import (
    FrameError,
    SourceStats,
    decode_image,
    iter_sources,
    read_image,
)
from seesay_detector.watch import watch_folder


def _png(array: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", array)
    assert ok
    return encoded.tobytes()


def _jpeg(array: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", array)
    assert ok
    return encoded.tobytes()


# D07 -------------------------------------------------------------------------


def test_d07_rgba_png_is_converted_to_rgb():
    bgra = np.zeros((40, 50, 4), np.uint8)
    bgra[..., 2] = 255  # red
    bgra[..., 3] = 128
    rgb = decode_image(_png(bgra))
    assert rgb.shape == (40, 50, 3) and rgb[0, 0].tolist() == [255, 0, 0]


def test_d07_grayscale_jpeg_becomes_three_equal_channels():
    rgb = decode_image(_jpeg(np.full((30, 40), 90, np.uint8)))
    assert rgb.shape == (30, 40, 3) and rgb.dtype == np.uint8
    assert abs(int(rgb[5, 5, 0]) - 90) <= 2 and len(set(rgb[5, 5].tolist())) == 1


def test_d07_sixteen_bit_png_is_scaled_to_eight_bits():
    bgr16 = np.zeros((20, 30, 3), np.uint16)
    bgr16[..., 1] = 65535
    bgr16[..., 0] = 32768
    rgb = decode_image(_png(bgr16))
    assert rgb.dtype == np.uint8 and rgb[0, 0].tolist() == [0, 255, 128]


def test_d07_exif_rotation_is_applied():
    upright = Image.fromarray(np.zeros((20, 40, 3), np.uint8))  # 40 wide, 20 high
    exif = upright.getexif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    encoded = io.BytesIO()
    upright.save(encoded, "JPEG", exif=exif)
    assert decode_image(encoded.getvalue()).shape == (40, 20, 3)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (10000, 10)])
def test_d07_images_too_small_to_detect_in_are_skipped_with_one_clear_line(
    tmp_path, caplog, width, height
):
    path = tmp_path / f"odd_{width}x{height}.png"
    path.write_bytes(_png(np.full((height, width, 3), 200, np.uint8)))
    stats = SourceStats()
    with caplog.at_level(logging.WARNING):
        frames = list(iter_sources([path], stats))
    assert frames == [] and stats.skipped == 1
    (line,) = [record.getMessage() for record in caplog.records]
    assert f"{width}x{height}" in line and "too small" in line


def test_d07_odd_images_run_through_the_detector_without_stopping_it(onnx_detector, tmp_path):
    odd = {
        "rgba.png": _png(
            np.dstack([np.full((60, 80, 3), 100, np.uint8), np.full((60, 80), 50, np.uint8)])
        ),
        "gray.jpg": _jpeg(np.full((60, 80), 100, np.uint8)),
        "deep.png": _png(np.full((60, 80, 3), 30000, np.uint16)),
        "tiny.png": _png(np.zeros((1, 1, 3), np.uint8)),
        "strip.png": _png(np.zeros((10, 10000, 3), np.uint8)),
    }
    for name, data in odd.items():
        (tmp_path / name).write_bytes(data)
    stats = SourceStats()
    component = DetectorComponent(onnx_detector, None, "dev", "cam")
    component.run(iter_sources([tmp_path], stats))
    assert stats.frames == 3 and stats.skipped == 2
    assert component.stats.failed_frames == 0


# D08 -------------------------------------------------------------------------


@pytest.fixture
def broken_files(images, tmp_path):
    good = (images / "pets.jpg").read_bytes()
    files = {
        "half.jpg": good[: len(good) // 2],
        "empty.jpg": b"",
        "text.jpg": b"this is not a picture\n",
        "half.png": _png(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))[:2000],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path, files


def test_d08_each_broken_file_is_skipped_with_a_clear_reason(broken_files):
    folder, files = broken_files
    reasons = {}
    for name in files:
        with pytest.raises(FrameError) as error:
            read_image(folder / name)
        reasons[name] = str(error.value)
    assert "truncated JPEG" in reasons["half.jpg"]
    assert "empty" in reasons["empty.jpg"]
    assert "not a decodable image" in reasons["text.jpg"]
    assert "not a decodable image" in reasons["half.png"]


def test_d08_broken_files_give_no_message_at_all_never_an_empty_one(onnx_detector, broken_files):
    folder, files = broken_files
    published = []
    stats = SourceStats()
    component = DetectorComponent(onnx_detector, None, "dev", "cam")
    component.run(iter_sources([folder], stats), on_message=published.append)
    assert published == []
    assert stats.skipped == len(files) and stats.skipped_by_reason["unreadable"] == len(files)


def test_d08_a_watched_folder_that_vanishes_is_counted_and_waited_for(images, tmp_path, caplog):
    folder = tmp_path / "incoming"
    folder.mkdir()
    stop = threading.Event()
    stats = SourceStats()
    frames = watch_folder(folder, stats, stop, poll_s=0.02, settle_s=0.0)
    (folder / "a.jpg").write_bytes((images / "pets.jpg").read_bytes())
    assert next(frames).source.endswith("a.jpg")

    def vanish_and_return():
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        time.sleep(0.15)
        folder.mkdir()
        (folder / "b.jpg").write_bytes((images / "cat_720p.jpg").read_bytes())

    with caplog.at_level(logging.INFO):
        mover = threading.Thread(target=vanish_and_return)
        mover.start()
        second = next(frames)
        mover.join()
    stop.set()
    assert second.source.endswith("b.jpg")
    assert stats.skipped_by_reason["vanished folder"] == 1
    assert sum("vanished" in record.getMessage() for record in caplog.records) == 1
    assert any("is back" in record.getMessage() for record in caplog.records)


def test_a_watched_folder_reads_new_and_replaced_files_once_each(images, tmp_path):
    stop = threading.Event()
    stats = SourceStats()
    frames = watch_folder(tmp_path, stats, stop, poll_s=0.02, settle_s=0.0)
    photo = tmp_path / "latest.jpg"
    photo.write_bytes((images / "pets.jpg").read_bytes())
    assert next(frames).source == str(photo)
    time.sleep(0.05)
    photo.write_bytes((images / "cat_720p.jpg").read_bytes())  # the camera overwrote it
    assert next(frames).rgb.shape == (720, 1280, 3)
    stop.set()
    assert list(frames) == [] and stats.frames == 2


# 1,000 files -------------------------------------------------------------------


@pytest.mark.slow
def test_a_thousand_mixed_good_and_broken_files_run_without_a_crash(
    onnx_detector, images, tmp_path
):
    """Every broken file is counted; every good one gives exactly one message."""
    rng = random.Random(3)
    small = cv2.resize(cv2.imread(str(images / "pets.jpg")), (64, 54))
    good_jpeg, good_png = _jpeg(small), _png(small)
    kinds = {
        "good.jpg": good_jpeg,
        "good.png": good_png,
        "gray.jpg": _jpeg(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)),
        "half.jpg": good_jpeg[: len(good_jpeg) // 2],
        "empty.jpg": b"",
        "text.jpg": b"hello\n",
        "tiny.png": _png(np.zeros((2, 2, 3), np.uint8)),
        "noise.png": bytes(rng.getrandbits(8) for _ in range(300)),
    }
    broken_kinds = {"half.jpg", "empty.jpg", "text.jpg", "tiny.png", "noise.png"}
    expected_broken = 0
    for index in range(1000):
        kind = rng.choice(sorted(kinds))
        expected_broken += kind in broken_kinds
        (tmp_path / f"{index:04d}_{kind}").write_bytes(kinds[kind])

    published = []
    stats = SourceStats()
    component = DetectorComponent(onnx_detector, None, "dev", "cam")
    component.run(iter_sources([tmp_path], stats), on_message=published.append)

    assert stats.skipped == expected_broken
    assert len(published) == stats.frames == 1000 - expected_broken
    assert component.stats.failed_frames == 0
    assert 0 < expected_broken < 1000
