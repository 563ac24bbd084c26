"""The whole pipeline on a laptop: photos to detector to windows to Kinesis to Alexa.

Starts the local stack, runs the real ObjectDetector and LocalAggregator code
over MQTT, lets the IoT rule bridge put window summaries on the Kinesis
stream, and asks the real skill handler what it sees with Alexa request
envelopes, printing the conversation as it goes.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from seesay.contract import WindowSummary, parse_window_summary
from seesay.envelopes import Conversation
from seesay.localstack.stack import LocalStack
from seesay.scene import iter_scene, plan_scene, scene_photos
from seesay.timestamps import utc_now
from seesay.topics import WINDOWS_TOPIC_FILTER
from seesay.transport.mqtt import MqttTransport
from seesay_aggregator.component import AggregatorComponent
from seesay_aggregator.window import TumblingWindows
from seesay_detector.component import DetectorComponent
from seesay_detector.detector import Detector
from seesay_detector.frames import VIDEO_SUFFIXES, Frame, SourceStats, iter_video, video_length_s

logger = logging.getLogger(__name__)

DEMO_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
WINDOW_WAIT_S = 15.0
# A replayed scene is minutes of scene time in seconds of wall time, so the
# aggregator's idle timer (which closes a quiet camera's last window) runs
# short here; it must still outlast one question to the skill.
DEMO_IDLE_CLOSE_S = 3.0


@dataclass
class DemoSettings:
    """What the demo runs on and how the scene is paced."""

    inputs: list[Path]
    model_dir: Path
    backend: str = "onnxruntime"
    window_s: float = 10.0
    min_count: int = 2
    hold_s: float = 10.0
    fps: float = 2.0
    thing_name: str = "seesay-demo"
    camera: str = "front"


class LambdaContext:
    """The part of the Lambda context object the skill reads: time left."""

    def __init__(self, budget_ms: int = 7000) -> None:
        self._deadline = time.monotonic() + budget_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def describe_window(summary: WindowSummary) -> str:
    """One printed line per window, as the demo shows it."""
    seen = ", ".join(f"{item.name} x{item.max_instances}" for item in summary.objects)
    return (
        f"window {_clock(summary.window_start)}-{_clock(summary.window_end)} "
        f"{summary.camera}: {seen or 'nothing'} ({summary.frames} frames)"
    )


def describe_frame(camera: str, frame: Frame, detections) -> str:
    seen = ", ".join(f"{item.label} {item.score:.2f}" for item in detections)
    return f"camera {camera}: {Path(frame.source).name}  {seen or 'nothing'}"


class SkillClient:
    """Talks to the skill's Lambda handler in-process, as Alexa and Lambda would.

    Each request is a real Alexa envelope. A response that ends the session
    makes the next question start a new one, as "Alexa, ask see say ..." does.
    """

    def __init__(self, stack: LocalStack, thing_name: str, out: TextIO,
                 skill_id: str = DEMO_SKILL_ID):
        os.environ.update(stack.environment())
        os.environ["SKILL_ID"] = skill_id
        os.environ["SEESAY_DEVICES"] = thing_name
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        from seesay_skill.lambda_function import lambda_handler

        self._handler = lambda_handler
        self._skill_id = skill_id
        self._out = out
        self.conversation = Conversation(skill_id=skill_id)
        self.session_open = False

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Invoke the handler with one envelope; keeps the session's attributes."""
        response = self._handler(envelope, LambdaContext())
        self.conversation.remember(response)
        self.session_open = (response.get("response") or {}).get("shouldEndSession") is False
        return response

    def launch(self, when: datetime) -> None:
        """"Alexa, open see say"."""
        self.conversation = Conversation(skill_id=self._skill_id)
        _talk(self._out, "you", "Alexa, open see say.")
        _talk(self._out, "alexa", speech_of(self.send(self.conversation.launch(when=when))))

    def ask(self, question: str, intent: str, when: datetime) -> None:
        """Ask inside the open session, or as a one-shot that opens a new one."""
        if self.session_open:
            _talk(self._out, "you", f"{question}?")
        else:
            self.conversation = Conversation(skill_id=self._skill_id)
            _talk(self._out, "you", f"Alexa, ask see say {question}.")
        response = self.send(self.conversation.intent(intent, when=when))
        _talk(self._out, "alexa", speech_of(response))

    def go_silent(self, when: datetime) -> None:
        """The user says nothing: Alexa ends the session and tells the skill."""
        _talk(self._out, "you", "(says nothing)")
        self.send(self.conversation.session_ended("EXCEEDED_MAX_REPROMPTS", when=when))
        self.session_open = False
        _talk(self._out, "alexa", "(ends the session)")


def speech_of(response: dict[str, Any]) -> str:
    """The text Alexa would speak for a response envelope."""
    speech = (response.get("response") or {}).get("outputSpeech") or {}
    return speech.get("text") or speech.get("ssml", "")


def run_demo(settings: DemoSettings, out: TextIO) -> int:
    """Run the scene end to end; returns the number of windows answered about."""
    detector = Detector(settings.model_dir, backend=settings.backend)
    windows = TumblingWindows(width_s=settings.window_s, min_count=settings.min_count)
    stats = SourceStats()
    frames = _scene_frames(settings, windows, stats)
    first = next(frames, None)
    if first is None:
        raise SystemExit("the demo found no readable photos or video frames")

    with LocalStack() as stack:
        arrived: queue.Queue[WindowSummary] = queue.Queue()
        observer = MqttTransport.connect(stack.mqtt_url, client_id="seesay-demo-observer")
        observer.subscribe(WINDOWS_TOPIC_FILTER, lambda _, payload: arrived.put(
            parse_window_summary(payload)))
        aggregator_link = MqttTransport.connect(stack.mqtt_url, client_id="seesay-aggregator")
        aggregator = AggregatorComponent(
            aggregator_link, windows, settings.thing_name, idle_close_s=DEMO_IDLE_CLOSE_S
        )
        aggregator.start()
        detector_link = MqttTransport.connect(stack.mqtt_url, client_id="seesay-detector")
        component = DetectorComponent(
            detector, detector_link, settings.thing_name, settings.camera
        )
        skill = SkillClient(stack, settings.thing_name, out)
        skill.launch(when=first.timestamp)

        answered = 0
        current: datetime | None = None
        last = first
        for frame in itertools.chain([first], frames):
            last = frame
            start = windows.window_start(frame.timestamp)
            message = component.process(frame)
            if start == current:
                continue
            if current is not None:
                # This frame's time has passed the open window's end: it closes.
                answered += _answer(out, stack, skill, arrived, answered)
            current = start
            print(describe_frame(settings.camera, frame, message.detections), file=out)
        detector_link.flush()
        # The camera goes quiet: the aggregator's idle timer closes the last window.
        answered += _answer(out, stack, skill, arrived, answered)
        if skill.session_open:
            skill.ask("what else", "WhatElseIntent", when=last.timestamp)

        skill.launch(when=last.timestamp)
        skill.go_silent(when=last.timestamp)

        aggregator.stop()
        for link in (detector_link, aggregator_link, observer):
            link.close()
    logger.info("demo finished: %d frames, %d skipped inputs", stats.frames, stats.skipped)
    return answered


def _scene_frames(settings: DemoSettings, windows: TumblingWindows, stats: SourceStats):
    """The scene's frames: photos held in turn, or the named videos' own frames.

    The scene is placed so that it ends about a window before the wall clock:
    every timestamp is in the past when the skill reads the stream.
    """
    videos = [path for path in settings.inputs if path.suffix.lower() in VIDEO_SUFFIXES]
    if videos:
        length_s = sum(video_length_s(video) for video in videos)
    else:
        photos = scene_photos(settings.inputs)
        length_s = len(photos) * settings.hold_s
    start = windows.window_start(utc_now() - timedelta(seconds=length_s) - 2 * windows.width)
    if videos:
        for video in videos:
            frames = iter_video(video, stats, start=start)
            last = None
            for frame in frames:
                last = frame.timestamp
                yield frame
            start = last + timedelta(milliseconds=1) if last else start
        return
    yield from iter_scene(plan_scene(photos, start, settings.hold_s, settings.fps, stats))


def _answer(out, stack, skill, arrived, answered_so_far) -> int:
    """Wait for the window that just closed to reach Kinesis, then ask about it."""
    try:
        summary = arrived.get(timeout=WINDOW_WAIT_S)
    except queue.Empty:
        raise SystemExit(f"no window summary arrived within {WINDOW_WAIT_S:.0f} s") from None
    print(describe_window(summary), file=out)
    stack.bridge.wait_for(answered_so_far + 1, timeout_s=WINDOW_WAIT_S)
    skill.ask("what do you see", "WhatDoYouSeeIntent", when=summary.window_end + timedelta(seconds=1))
    return 1


def _talk(out: TextIO, who: str, text: str) -> None:
    print(f"{who + ':':<7}{text}", file=out)
