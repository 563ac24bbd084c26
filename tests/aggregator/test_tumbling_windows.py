"""Tumbling windows in event time: alignment, counting, lateness, and a brute-force recount."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from seesay.contract import Detection, DetectionFrame
from seesay_aggregator.window import TumblingWindows

BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def frame(seconds: float, *labels: str, camera: str = "front", score: float = 0.8):
    return DetectionFrame(
        device="thing",
        camera=camera,
        timestamp=BASE + timedelta(seconds=seconds),
        detections=tuple(Detection(label, score, (0.1, 0.1, 0.5, 0.5)) for label in labels),
    )


def run(windows: TumblingWindows, frames):
    closed = []
    for item in frames:
        closed.extend(windows.add(item))
    return closed + windows.flush()


def test_a01_windows_are_half_open_and_aligned():
    windows = TumblingWindows(width_s=10, min_count=1)
    closed = run(windows, [frame(59.9, "dog"), frame(60.0, "cat")])
    assert [(w.window_start - BASE).total_seconds() for w in closed] == [50, 60]
    assert [w.objects[0].name for w in closed] == ["dog", "cat"]


def test_a02_default_keeps_more_than_once_and_says_so():
    windows = TumblingWindows()
    (closed,) = run(windows, [frame(1, "dog", "cat"), frame(2, "dog")])
    assert [o.name for o in closed.objects] == ["dog"]
    assert closed.min_count == 2 and closed.to_dict()["minCount"] == 2


def test_counts_frames_and_most_at_once():
    windows = TumblingWindows(min_count=1)
    (closed,) = run(windows, [frame(1, "dog", "dog"), frame(2, "dog"), frame(3, "person")])
    dog = next(o for o in closed.objects if o.name == "dog")
    assert (dog.frame_count, dog.max_instances, closed.frames) == (2, 2, 3)


def test_a05_frames_without_the_object_never_report_it():
    windows = TumblingWindows(min_count=1)
    (closed,) = run(windows, [frame(1), frame(2), frame(3, "person", score=0.6), frame(4)])
    assert [(o.name, o.frame_count) for o in closed.objects] == [("person", 1)]
    windows = TumblingWindows(min_count=2)
    (closed,) = run(windows, [frame(1), frame(2, score=0.61), frame(3, "person", score=0.6)])
    assert closed.objects == ()


def test_a04_a_late_frame_is_counted_and_never_reopens_a_window():
    windows = TumblingWindows(min_count=1)
    closed = run(windows, [frame(5, "dog"), frame(31, "cat"), frame(6, "dog")])
    starts = [w.window_start for w in closed]
    assert len(starts) == len(set(starts)) == 2
    assert windows.stats.late_frames == 1


def test_allowed_lateness_keeps_a_window_open_for_stragglers():
    windows = TumblingWindows(min_count=1, allowed_lateness_s=5)
    closed = []
    for item in [frame(5, "dog"), frame(12, "cat"), frame(7, "dog")]:
        closed.extend(windows.add(item))
    assert closed == []
    closed = windows.add(frame(16, "cat"))
    assert closed[0].objects[0].frame_count == 2
    assert windows.stats.late_frames == 0


def test_cameras_have_their_own_windows():
    windows = TumblingWindows(min_count=1)
    closed = run(windows, [frame(1, "dog", camera="a"), frame(2, "cat", camera="b")])
    assert {(w.camera, w.objects[0].name) for w in closed} == {("a", "dog"), ("b", "cat")}


def test_close_for_a_watermark_emits_a_quiet_cameras_window():
    windows = TumblingWindows(min_count=1)
    windows.add(frame(1, "dog"))
    assert windows.close_for(BASE + timedelta(seconds=9.999)) == []
    (closed,) = windows.close_for(BASE + timedelta(seconds=10))
    assert closed.objects[0].name == "dog" and windows.open_windows() == 0


LABELS = st.sampled_from(["dog", "cat", "person"])
FRAMES = st.lists(
    st.tuples(st.floats(0, 60, allow_nan=False), st.lists(LABELS, max_size=4)), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(FRAMES, st.integers(1, 3), st.sampled_from([5.0, 10.0]))
def test_windowed_counts_equal_a_brute_force_recount(items, min_count, width):
    ordered = sorted(items, key=lambda item: item[0])
    windows = TumblingWindows(width_s=width, min_count=min_count)
    closed = run(windows, [frame(t, *labels) for t, labels in ordered])

    expected: dict[float, dict[str, tuple[int, int]]] = defaultdict(dict)
    frames_per_window: Counter[float] = Counter()
    for t, labels in ordered:
        start = ((BASE + timedelta(seconds=t)).timestamp() // width) * width
        frames_per_window[start] += 1
        for label, count in Counter(labels).items():
            seen, most = expected[start].get(label, (0, 0))
            expected[start][label] = (seen + 1, max(most, count))

    assert {w.window_start.timestamp(): w.frames for w in closed} == dict(frames_per_window)
    for summary in closed:
        want = {
            label: counts
            for label, counts in expected[summary.window_start.timestamp()].items()
            if counts[0] >= min_count
        }
        got = {o.name: (o.frame_count, o.max_instances) for o in summary.objects}
        assert got == want
