"""A read cut short by the deadline never turns a reporting camera into a quiet one.

The stream reader is replaced by a recorder that answers per look-back start:
the recent span reads completely, the long look-back is cut off by the
deadline part-way through, having reached only an old window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from seesay.contract import ObjectSummary, WindowSummary
from seesay_skill.deadline import Deadline
from seesay_skill.scene import CURRENT, STALE, SceneSource
from seesay_skill.stream_reader import ReadResult

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def summary(camera: str, ended_ago_s: float, label: str) -> WindowSummary:
    end = NOW - timedelta(seconds=ended_ago_s)
    return WindowSummary("kitchen-pi", camera, end - timedelta(seconds=10), end, 20,
                         (ObjectSummary(label, 20, 1, 0.9),), 2)


class SplitReader:
    def __init__(self):
        self.starts: list[datetime] = []

    def read(self, since: datetime, deadline: Deadline, until=None) -> ReadResult:
        self.starts.append(since)
        result = ReadResult()
        if since >= NOW - timedelta(seconds=120):
            result.add(summary("front", 5, "dog"))
            result.caught_up = True
        else:
            # Cut off early in the long look-back: only old windows were reached.
            result.add(summary("front", 800, "cat"))
            result.add(summary("back", 790, "person"))
            result.caught_up = False
        return result


def test_recent_windows_are_read_first_and_stand_when_the_long_read_is_cut_short():
    reader = SplitReader()
    source = SceneSource(reader, lookback_seconds=900, stale_seconds=120, clock=lambda: NOW)
    scene = source.look(NOW, Deadline.after(5))

    assert reader.starts == [NOW - timedelta(seconds=120), NOW - timedelta(seconds=900)]
    views = {view.camera: view for view in scene.views}
    assert views["front"].state == CURRENT
    assert [item.label for item in views["front"].items] == ["dog"]
    # The back camera is quiet for longer than two minutes, but the read did not
    # reach its last window: no claim beyond what is known.
    assert views["back"].state == STALE
    assert 120 < views["back"].age_seconds <= 121


def test_an_incomplete_read_never_claims_how_long_a_camera_has_been_quiet():
    from seesay_skill import speech

    class CutShort:
        def read(self, since, deadline, until=None):
            result = ReadResult()
            result.add(summary("front", 800, "cat"))
            result.caught_up = False
            return result

    source = SceneSource(CutShort(), lookback_seconds=900, stale_seconds=120, clock=lambda: NOW)
    text = speech.what_i_see(source.look(NOW, Deadline.after(5))).text
    assert "haven't heard" not in text
    assert text == "I couldn't check every camera in time. Please ask again in a moment."


def test_reading_until_an_instant_leaves_the_newer_records_to_the_recent_read(
    kinesis, make_stream, put_window, window
):
    import time

    from seesay_skill.stream_reader import StreamReader

    stream = make_stream(1)
    put_window(stream, window(camera="older", objects={"cat": (5, 1)}))
    time.sleep(1.1)
    boundary = datetime.now(timezone.utc)
    time.sleep(0.1)
    put_window(stream, window(camera="newer", objects={"dog": (5, 1)}))
    reader = StreamReader(kinesis, stream)
    since = boundary - timedelta(minutes=10)

    older = reader.read(since, Deadline.after(5), until=boundary)
    newer = reader.read(boundary, Deadline.after(5))

    assert {camera for _, camera in older.latest} == {"older"}
    assert older.caught_up and older.records == 1
    assert {camera for _, camera in newer.latest} == {"newer"}
