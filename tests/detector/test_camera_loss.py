"""Case D09 (camera loss) and the newest-frame-wins grabber."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from seesay.contract import parse_camera_status, parse_detection_frame
from seesay.topics import CAMERA_STATUS_TOPIC, DETECTIONS_TOPIC
from seesay.transport import Transport
from seesay_detector.camera import Backoff, CameraSource, describe_target, parse_camera_target
from seesay_detector.component import DetectorComponent
from seesay_detector.frames import SourceStats
from seesay_detector.sources import is_live_input

FAST = Backoff(first_s=0.01, max_s=0.04)


def _frame(number: int) -> np.ndarray:
    frame = np.zeros((32, 32, 3), np.uint8)
    frame[0, 0, 0] = number % 256  # blue in BGR: the RGB frame holds it last
    return frame


class ScriptedCapture:
    """Gives ``frames`` frames (numbered from ``first``), then fails every read."""

    def __init__(self, frames: int, first: int = 0, delay_s: float = 0.0) -> None:
        self._left, self._next, self._delay_s = frames, first, delay_s
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return True

    def read(self):
        time.sleep(self._delay_s)
        if self._left <= 0:
            return False, None
        self._left -= 1
        self._next += 1
        return True, _frame(self._next - 1)

    def release(self) -> None:
        self.released = True


class ClosedCapture(ScriptedCapture):
    def __init__(self) -> None:
        super().__init__(0)

    def isOpened(self) -> bool:  # noqa: N802
        return False


class ScriptedCamera:
    """Hands out the planned captures in turn; the last one again and again."""

    def __init__(self, *captures: ScriptedCapture) -> None:
        self.captures = list(captures)
        self.opened = 0

    def __call__(self, target):
        self.opened += 1
        return self.captures.pop(0) if len(self.captures) > 1 else self.captures[0]


def _collect(source: CameraSource, stop: threading.Event, until, timeout_s: float = 5.0):
    """Frames until ``until(frames)`` holds; the source is stopped after ``timeout_s``."""
    guard = threading.Timer(timeout_s, stop.set)
    guard.start()
    frames = []
    try:
        for frame in source.frames(stop):
            frames.append(frame)
            if until(frames):
                break
    finally:
        guard.cancel()
    return frames


def test_d09_lost_camera_goes_offline_reconnects_with_backoff_and_comes_back():
    statuses: list[tuple[str, str]] = []
    camera = ScriptedCamera(
        ScriptedCapture(3, delay_s=0.005),
        ClosedCapture(),
        ClosedCapture(),
        ScriptedCapture(1000, first=100, delay_s=0.005),
    )
    source = CameraSource(
        "rtsp://user:secret@127.0.0.1/cam",
        SourceStats(),
        lambda status, reason: statuses.append((status, reason)),
        backoff=FAST,
        open_capture=camera,
    )
    stop = threading.Event()
    frames = _collect(source, stop, lambda got: got[-1].rgb[0, 0, 2] >= 100)

    assert [status for status, _ in statuses] == ["online", "offline", "online"]
    assert "no frame in 3 reads" in statuses[1][1] and "reconnecting" in statuses[1][1]
    assert camera.opened == 4
    assert frames[-1].rgb[0, 0, 2] >= 100
    assert all("secret" not in frame.source for frame in frames)


def test_d09_a_camera_that_never_opens_is_reported_offline_once():
    statuses = []
    source = CameraSource(
        0,
        SourceStats(),
        lambda *status: statuses.append(status),
        backoff=FAST,
        open_capture=ScriptedCamera(ClosedCapture()),
    )
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    assert _collect(source, stop, lambda got: False) == []
    assert [status for status, _ in statuses] == ["offline"]
    assert "cannot open" in statuses[0][1]


def test_d09_no_frame_for_the_timeout_reports_offline_even_if_reads_hang():
    class HangingCapture(ScriptedCapture):
        def read(self):
            if self._left <= 0:
                time.sleep(0.6)  # a stalled stream: read() neither fails nor returns
            return super().read()

    statuses = []
    source = CameraSource(
        0,
        SourceStats(),
        lambda *status: statuses.append(status),
        backoff=FAST,
        frame_timeout_s=0.2,
        open_capture=ScriptedCamera(HangingCapture(2)),
    )
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    _collect(source, stop, lambda got: False)
    assert [status for status, _ in statuses][:2] == ["online", "offline"]
    assert "no frame for" in statuses[1][1]


def test_backoff_doubles_up_to_its_cap():
    delays = Backoff(1.0, 30.0).delays()
    assert [next(delays) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_slow_consumer_gets_the_newest_frame_and_older_ones_are_dropped():
    stats = SourceStats()
    source = CameraSource(
        0, stats, backoff=FAST, open_capture=ScriptedCamera(ScriptedCapture(100_000, delay_s=0.001))
    )
    stop = threading.Event()
    threading.Timer(5.0, stop.set).start()  # never hang the suite
    numbers = []
    for frame in source.frames(stop):
        numbers.append(int(frame.rgb[0, 0, 2]))
        if len(numbers) == 4:
            break
        time.sleep(0.1)  # inference slower than the camera
    assert stats.dropped > 10
    assert len(set(numbers)) == 4  # a new frame each time, never a queued backlog


def test_d09_the_component_publishes_camera_status_between_detections(onnx_detector):
    class Recorder(Transport):
        def __init__(self):
            self.sent = []

        def publish(self, topic, payload):
            self.sent.append((topic, payload))

        def subscribe(self, topic, handler):
            raise NotImplementedError

        def publish_to_cloud(self, topic, payload):
            raise NotImplementedError

        def close(self):
            pass

    transport = Recorder()
    component = DetectorComponent(onnx_detector, transport, "thing-1", "porch")
    camera = ScriptedCamera(
        ScriptedCapture(2, delay_s=0.01), ScriptedCapture(50, first=50, delay_s=0.01)
    )
    source = CameraSource(
        0, SourceStats(), component.publish_status, backoff=FAST, open_capture=camera
    )
    stop = threading.Event()
    guard = threading.Timer(10.0, stop.set)  # never hang the suite
    guard.start()
    frames = source.frames(stop)
    detected = 0
    for frame in frames:
        component.process(frame)
        detected += 1
        if frame.rgb[0, 0, 2] >= 50:
            break
    frames.close()
    guard.cancel()

    statuses = [
        parse_camera_status(payload)
        for topic, payload in transport.sent
        if topic == CAMERA_STATUS_TOPIC
    ]
    assert [status.status for status in statuses][:3] == ["online", "offline", "online"]
    assert {(status.device, status.camera) for status in statuses} == {("thing-1", "porch")}
    messages = [
        parse_detection_frame(payload)
        for topic, payload in transport.sent
        if topic == DETECTIONS_TOPIC
    ]
    assert len(messages) == detected


def test_d09_a_real_opencv_capture_that_ends_is_reopened(tmp_path):
    """A video file played as a camera: it runs out, goes offline, reopens, comes back."""
    video = tmp_path / "camera.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for index in range(5):
        writer.write(np.full((48, 64, 3), index * 40, np.uint8))
    writer.release()
    statuses = []
    source = CameraSource(
        str(video), SourceStats(), lambda *status: statuses.append(status), backoff=FAST
    )
    stop = threading.Event()
    _collect(source, stop, lambda got: [s for s, _ in statuses].count("online") >= 2)
    assert [status for status, _ in statuses][:3] == ["online", "offline", "online"]


@pytest.mark.parametrize(
    ("text", "live"),
    [
        ("0", True),
        ("camera:2", True),
        ("rtsp://127.0.0.1:8554/cam", True),
        ("http://127.0.0.1:8080/video.mjpg", True),
        ("pets.jpg", False),
        ("/tmp", False),
    ],
)
def test_inputs_that_name_cameras_and_streams(text, live):
    assert is_live_input(text) is live


def test_camera_targets_and_their_printable_names():
    assert parse_camera_target("camera:1") == 1
    assert describe_target(1) == "camera device 1"
    assert (
        describe_target("rtsp://admin:hunter2@127.0.0.1:554/s")
        == "rtsp://admin:***@127.0.0.1:554/s"
    )
