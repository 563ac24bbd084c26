"""Cases D07 (odd images) and D08 (broken input), and a run over 1,000 mixed files."""

from __future__ import annotations

import io
import logging
import os
import random
import socket
import struct
import threading
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from seesay_detector.camera import Backoff, CameraSource
from seesay_detector.component import DetectorComponent
from seesay_detector.frames import (
    FrameError,
    SourceStats,
    decode_image,
    iter_sources,
    iter_video,
    read_image,
)
from seesay_detector.sources import open_source
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


# Image bombs and decoder failures (D07, D08) -------------------------------------


def _png_declaring(width: int, height: int) -> bytes:
    """A small, valid-looking PNG whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(3000))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A real 64x64 JPEG whose start-of-frame size is patched to ``width`` x ``height``."""
    data = bytearray(_jpeg(np.zeros((64, 64, 3), np.uint8)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


BOMBS = {
    "bomb.png": _png_declaring(100_000, 100_000),  # beyond Pillow's own limit
    "bomb.jpg": _jpeg_declaring(65_000, 65_000),
    "big.png": _png_declaring(9_000, 9_000),  # under Pillow's limit, over ours
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_d08_an_image_declaring_too_many_pixels_is_skipped_before_decoding(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BOMBS[name])
    with pytest.raises(FrameError, match="more than 50000000 pixels") as refused:
        read_image(path)
    assert refused.value.kind == "too large"


def test_d08_image_bombs_do_not_stop_a_folder_run(images, tmp_path, caplog):
    (tmp_path / "a.jpg").write_bytes((images / "pets.jpg").read_bytes())
    for name, data in BOMBS.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "z.jpg").write_bytes((images / "pets.jpg").read_bytes())
    stats = SourceStats()
    with caplog.at_level(logging.WARNING):
        source = open_source([str(tmp_path)], stats, threading.Event())
        frames = list(source.frames)
    assert [Path(frame.source).name for frame in frames] == ["a.jpg", "z.jpg"]
    assert stats.skipped_by_reason["too large"] == len(BOMBS)
    assert sum("more than 50000000 pixels" in record.getMessage() for record in caplog.records) == 3


def test_d08_an_image_bomb_in_a_watched_folder_is_skipped_not_a_crash(images, tmp_path):
    (tmp_path / "bomb.png").write_bytes(BOMBS["bomb.png"])
    (tmp_path / "good.jpg").write_bytes((images / "pets.jpg").read_bytes())
    stop = threading.Event()
    stats = SourceStats()
    frames = watch_folder(tmp_path, stats, stop, poll_s=0.02, settle_s=0.0)
    assert next(frames).source.endswith("good.jpg")
    stop.set()
    assert list(frames) == [] and stats.skipped_by_reason["too large"] == 1


def test_d08_any_opencv_decoder_failure_is_a_skip(images, monkeypatch):
    def failing_decoder(*args):
        # a genuine cv2.error, as a decoder raises it
        return cv2.cvtColor(np.zeros((2, 2, 5), np.uint8), cv2.COLOR_BGR2RGB)

    monkeypatch.setattr(cv2, "imdecode", failing_decoder)
    with pytest.raises(FrameError, match="pets.jpg cannot be decoded"):
        read_image(images / "pets.jpg")
    stats = SourceStats()
    assert list(iter_sources([images / "pets.jpg"], stats)) == [] and stats.skipped == 1


# Frames too small in videos and from cameras (D07) -----------------------------------


def _video(path, size, frames=5):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, size)
    for index in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 * index, np.uint8))
    writer.release()
    return path


def test_d07_a_video_too_small_to_detect_in_is_skipped_never_reported_as_nothing(
    onnx_detector, tmp_path, caplog
):
    video = _video(tmp_path / "tiny.avi", (8, 8))
    stats = SourceStats()
    published = []
    component = DetectorComponent(onnx_detector, None, "dev", "cam")
    with caplog.at_level(logging.WARNING):
        component.run(iter_sources([video], stats), on_message=published.append)
    assert published == [] and stats.frames == 0
    assert stats.skipped_by_reason["too small"] == 1
    (line,) = [record.getMessage() for record in caplog.records]
    assert "8x8: too small to detect anything in" in line


class _TinyThenNormalCapture:
    """Gives ``tiny`` 8x8 frames, then 32x32 ones."""

    def __init__(self, tiny: int) -> None:
        self.tiny = tiny

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return True

    def read(self):
        time.sleep(0.005)
        self.tiny -= 1
        side = 8 if self.tiny >= 0 else 32
        return True, np.full((side, side, 3), 90, np.uint8)

    def release(self) -> None:
        pass


def test_d07_camera_frames_too_small_are_counted_and_logged_once(caplog):
    stats = SourceStats()
    source = CameraSource(
        0,
        stats,
        backoff=Backoff(0.01, 0.02),
        open_capture=lambda target: _TinyThenNormalCapture(20),
    )
    stop = threading.Event()
    guard = threading.Timer(5.0, stop.set)
    guard.start()
    with caplog.at_level(logging.INFO):
        frames = source.frames(stop)
        first = next(frames)
        stop.set()
        list(frames)
    guard.cancel()
    assert first.size == (32, 32)
    assert stats.skipped_by_reason["too small"] >= 1
    messages = [record.getMessage() for record in caplog.records]
    assert sum("too small" in message for message in messages) == 1
    assert any("usable again" in message for message in messages)


def test_video_positions_that_would_overflow_a_timestamp_are_skipped(tmp_path):
    video = _video(tmp_path / "v.avi", (32, 32), frames=3)
    stats = SourceStats()
    last_moment = datetime(9999, 12, 31, 23, 59, 59, 900_000, tzinfo=timezone.utc)
    frames = list(iter_video(video, stats, start=last_moment))
    assert [frame.timestamp for frame in frames] == [last_moment]
    assert stats.skipped_by_reason["bad timestamp"] == 2


# Inputs that are not regular files (D08) --------------------------------------------


def test_d08_only_regular_files_are_read_a_named_pipe_never_blocks(images, tmp_path):
    (tmp_path / "a.jpg").write_bytes((images / "pets.jpg").read_bytes())
    os.mkfifo(tmp_path / "fifo.jpg")
    (tmp_path / "dir.jpg").mkdir()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "sock.jpg"))
    stats = SourceStats()
    frames: list = []
    inputs = [tmp_path, tmp_path / "fifo.jpg"]  # the folder, and the pipe named directly
    reader = threading.Thread(
        target=lambda: frames.extend(iter_sources(inputs, stats)), daemon=True
    )
    try:
        reader.start()
        reader.join(timeout=10)
        finished = not reader.is_alive()
    finally:
        listener.close()
        try:  # let a reader blocked on the pipe go
            os.close(os.open(tmp_path / "fifo.jpg", os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    assert finished, "reading the folder blocked on the named pipe"
    assert [Path(frame.source).name for frame in frames] == ["a.jpg"]
    assert stats.skipped_by_reason["not a file"] == 4
    assert sorted(Path(source).name for source in stats.recent_skips) == [
        "dir.jpg",
        "fifo.jpg",
        "fifo.jpg",
        "sock.jpg",
    ]


@pytest.mark.parametrize(
    ("make", "complaint"),
    [
        (lambda path: path.symlink_to(path), "a symbolic link loop"),
        (lambda path: path.symlink_to(path.parent / "gone.jpg"), "a broken symbolic link"),
        (lambda path: path.mkdir(), "folder has no images"),
    ],
    ids=["symlink-loop", "broken-symlink", "empty-folder-named-jpg"],
)
def test_d08_an_input_named_directly_that_is_no_image_says_what_it_is(
    tmp_path, caplog, make, complaint
):
    path = tmp_path / "x.jpg"
    make(path)
    stats = SourceStats()
    with caplog.at_level(logging.WARNING):
        assert list(iter_sources([path], stats)) == []
    assert stats.skipped == 1
    (line,) = [record.getMessage() for record in caplog.records]
    assert complaint in line


def test_a_skipped_file_whose_name_holds_a_newline_is_logged_on_one_line(tmp_path, caplog):
    path = tmp_path / "bad\nname.jpg"
    path.write_bytes(b"not a picture")
    with caplog.at_level(logging.WARNING):
        list(iter_sources([tmp_path], SourceStats()))
    (line,) = [record.getMessage() for record in caplog.records]
    assert "\n" not in line and "bad\\nname.jpg" in line


def test_a_watched_folder_that_is_not_there_yet_is_waited_for(images, tmp_path, caplog):
    folder = tmp_path / "later"
    stats = SourceStats()
    stop = threading.Event()
    with caplog.at_level(logging.INFO):
        source = open_source([str(folder)], stats, stop, watch=True, poll_s=0.02)
        threading.Timer(0.2, folder.mkdir).start()
        threading.Timer(
            0.3, lambda: (folder / "a.jpg").write_bytes((images / "pets.jpg").read_bytes())
        ).start()
        frames = source.frames
        first = next(frames)
        stop.set()
    assert first.source.endswith("a.jpg")
    messages = [record.getMessage() for record in caplog.records]
    assert sum("not there" in message for message in messages) == 1


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
