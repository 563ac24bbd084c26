"""The running component: failures are counted and logged once, never a crash loop."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from seesay.contract import parse_detection_frame
from seesay.timestamps import utc_now
from seesay.transport import Transport, TransportError
from seesay_detector import __main__ as component_main
from seesay_detector.__main__ import source_inputs
from seesay_detector.component import DetectorComponent
from seesay_detector.frames import Frame
from seesay_detector.settings import DetectorSettings


class FlakyTransport(Transport):
    """Refuses the publishes whose numbers are in ``refuse`` (as an unauthorised topic would)."""

    def __init__(self, refuse: set[int]):
        self.refuse = refuse
        self.attempts = 0
        self.delivered: list[bytes] = []

    def publish(self, topic, payload):
        self.attempts += 1
        if self.attempts in self.refuse:
            raise TransportError(f"not authorized to publish on {topic}")
        self.delivered.append(payload)

    def subscribe(self, topic, handler):
        raise NotImplementedError

    def publish_to_cloud(self, topic, payload):
        raise NotImplementedError

    def close(self):
        pass


def _frames(count: int, shape=(60, 80, 3)):
    return [Frame(np.full(shape, 90, np.uint8), f"frame{i}", utc_now()) for i in range(count)]


def test_refused_publishes_are_counted_and_logged_once_per_outage(onnx_detector, caplog):
    transport = FlakyTransport(refuse={2, 3, 4})
    component = DetectorComponent(onnx_detector, transport, "thing", "cam")
    with caplog.at_level(logging.INFO):
        assert component.run(_frames(6)) == 3
    assert component.stats.failed_publishes == 3
    messages = [record.getMessage() for record in caplog.records]
    assert sum("failed: not authorized" in message for message in messages) == 1
    assert sum("publishing again after 3 failure(s)" in message for message in messages) == 1
    assert all(parse_detection_frame(payload).camera == "cam" for payload in transport.delivered)


def test_a_frame_the_detector_cannot_handle_is_skipped_and_counted(onnx_detector, caplog):
    component = DetectorComponent(onnx_detector, None, "thing", "cam")
    broken = Frame(np.zeros((60, 80), np.uint8), "not-rgb", utc_now())  # 2-D: no channels
    published = []
    with caplog.at_level(logging.ERROR):
        component.run([*_frames(1), broken, *_frames(1)], on_message=published.append)
    assert len(published) == 2 and component.stats.failed_frames == 1
    assert len(caplog.records) == 1 and "not-rgb" in caplog.records[0].getMessage()


def test_the_interval_paces_a_clock_paced_source(onnx_detector):
    component = DetectorComponent(onnx_detector, None, "thing", "cam")
    started = time.monotonic()
    component.run(_frames(3), interval_s=0.2)
    assert time.monotonic() - started >= 0.4


def test_stop_ends_the_run_between_frames(onnx_detector):
    stop = threading.Event()
    component = DetectorComponent(onnx_detector, None, "thing", "cam")

    def frames():
        for frame in _frames(100):
            if component.stats.published or frame.source == "frame3":
                stop.set()
            yield frame

    published = []
    component.run(frames(), stop, on_message=published.append)
    assert len(published) == 4


def test_settings_choose_the_source():
    assert source_inputs(DetectorSettings(UseCamera=True, CameraSource="rtsp://127.0.0.1/x")) == [
        "rtsp://127.0.0.1/x"
    ]
    assert source_inputs(DetectorSettings(VideoFile="v.mp4")) == ["v.mp4"]
    assert source_inputs(DetectorSettings(ImageDirectory="/data", ImageName="a.jpg")) == [
        "/data/a.jpg"
    ]
    assert source_inputs(DetectorSettings(ImageDirectory="/data")) == ["/data"]


def test_an_interval_beyond_a_day_is_refused_before_the_first_frame(onnx_detector):
    component = DetectorComponent(onnx_detector, None, "thing", "cam")
    for interval in (float("inf"), 1e12, float("nan")):
        with pytest.raises(ValueError, match="interval must be within"):
            component.run(_frames(2), interval_s=interval)
    assert component.stats.published == 0


@pytest.mark.parametrize(
    ("flags", "key"),
    [
        (["--ImageDirectory", "{missing}"], "ImageDirectory"),
        (["--VideoFile", "{missing}/v.mp4"], "VideoFile"),
        (["--ImageDirectory", "{existing}", "--ImageName", "nope.jpg"], "ImageName"),
    ],
)
def test_a_missing_image_folder_or_video_stops_the_component_naming_the_key(
    tmp_path, monkeypatch, caplog, flags, key
):
    monkeypatch.setattr(component_main, "select_transport", lambda **_: FlakyTransport(set()))
    paths = {"missing": str(tmp_path / "missing"), "existing": str(tmp_path)}
    with caplog.at_level(logging.ERROR):
        code = component_main.main([flag.format(**paths) for flag in flags])
    assert code == 1
    (line,) = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert line.startswith(f"cannot start: {key} ") and "no such file or folder" in line
