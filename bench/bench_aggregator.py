"""LocalAggregator benchmark: throughput, memory, and messages sent to the cloud.

Prints a table; run with ``.venv/bin/python bench/bench_aggregator.py``.
Baselines in the same run: a naive recount that keeps every frame and groups
at the end (what the old cloud SQL did per window), and the old design's
"publish every frame" message count.
"""

from __future__ import annotations

import json
import platform
import random
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from seesay.contract import Detection, DetectionFrame, parse_detection_frame
from seesay_aggregator.checkpoint import Checkpoint, SavedState
from seesay_aggregator.payload import encode_summary
from seesay_aggregator.window import TumblingWindows

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
LABELS = ["person", "dog", "cat", "car", "chair", "cup", "tv", "couch", "bottle", "book"]


def scene(frames: int, fps: float = 10.0, cameras: int = 1, labels: list[str] = LABELS,
          seed: int = 7) -> list[DetectionFrame]:
    """A realistic scene: each frame shows 1-5 labels with 1-3 of each."""
    rng = random.Random(seed)
    out = []
    for index in range(frames):
        chosen = rng.sample(labels[: max(5, len(labels))], rng.randint(1, 5))
        detections = tuple(
            Detection(label, rng.uniform(0.5, 0.95), (0.1, 0.1, 0.4, 0.4))
            for label in chosen for _ in range(rng.randint(1, 3))
        )
        out.append(DetectionFrame("thing", f"cam-{index % cameras}",
                                  START + timedelta(seconds=index / fps / cameras), detections))
    return out


def naive_recount(frames: list[DetectionFrame], width_s: float = 10.0) -> list[dict]:
    """Keep every frame, then count per window and label at the end (the SQL's way)."""
    kept = defaultdict(list)
    for frame in frames:
        kept[(frame.camera, int(frame.timestamp.timestamp() // width_s))].append(frame)
    summaries = []
    for items in kept.values():
        seen: dict[str, list[int | float]] = {}
        for frame in items:
            per_label = Counter(d.label for d in frame.detections)
            for label, count in per_label.items():
                best = max(d.score for d in frame.detections if d.label == label)
                entry = seen.setdefault(label, [0, 0, 0.0])
                entry[0] += 1
                entry[1] = max(entry[1], count)
                entry[2] = max(entry[2], best)
        summaries.append({label: v for label, v in seen.items() if v[0] >= 2})
    return summaries


def peak_naive_kib(frames) -> float:
    tracemalloc.start()
    kept = []
    for frame in frames:
        kept.append(frame)  # the frames themselves must be held until the window ends
    naive_recount(kept)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def fold(frames):
    windows = TumblingWindows()
    for frame in frames:
        windows.add(frame)
    windows.flush()


def parse_and_fold(payloads):
    windows = TumblingWindows()
    for payload in payloads:
        windows.add(parse_detection_frame(payload))
    windows.flush()


def fold_with_checkpoint(frames, fsync: bool):
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = Checkpoint(Path(folder) / "state.json", fsync=fsync)
        windows = TumblingWindows()
        for frame in frames:
            windows.add(frame)
            checkpoint.save(SavedState(windows.snapshot(), []))


def peak_state_kib(frames) -> float:
    tracemalloc.start()
    windows = TumblingWindows()
    for frame in frames:
        windows.add(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    frames = scene(36_000)  # one hour of one camera at 10 fps
    detections = sum(len(frame.detections) for frame in frames)
    payloads = [frame.to_json().encode() for frame in frames]

    rows = []
    for name, seconds in [
        ("windows only", timed(fold, frames)),
        ("parse JSON + windows", timed(parse_and_fold, payloads)),
        ("naive recount (baseline)", timed(naive_recount, frames)),
    ]:
        rows.append((name, f"{detections / seconds:,.0f}", f"{len(frames) / seconds:,.0f}"))
    short = frames[:3_000]
    for fsync in (False, True):
        seconds = timed(fold_with_checkpoint, short, fsync)
        rows.append((f"windows + checkpoint per frame (fsync {'on' if fsync else 'off'})",
                     f"{sum(len(f.detections) for f in short) / seconds:,.0f}",
                     f"{len(short) / seconds:,.0f}"))

    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"\nThroughput on one core ({len(frames):,} frames, {detections:,} detections)\n")
    print("| what | detections/s | frames/s |\n|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")

    print("\nMemory of the window state (peak, tracemalloc)\n")
    print("| cameras | labels | frames | peak KiB |\n|---:|---:|---:|---:|")
    baseline = scene(36_000)
    many_labels = [f"label-{index}" for index in range(90)]
    for cameras, labels, count in [(1, LABELS, 36_000), (1, LABELS, 360_000),
                                   (10, LABELS, 36_000), (100, many_labels, 36_000),
                                   (100, many_labels, 360_000)]:
        peak = peak_state_kib(scene(count, cameras=cameras, labels=labels))
        print(f"| {cameras} | {len(labels)} | {count:,} | {peak:,.0f} |")
    print(f"| naive recount, 1 camera (baseline) | 10 | 36,000 | {peak_naive_kib(baseline):,.0f} |")

    summaries = []
    windows = TumblingWindows()
    for frame in frames:
        summaries.extend(windows.add(frame))
    summaries.extend(windows.flush())
    frame_bytes = sum(len(payload) for payload in payloads)
    window_bytes = sum(len(encode_summary(summary)) for summary in summaries)
    print("\nMessages to the cloud per camera-hour (10 fps, 1-5 labels per frame)\n")
    print("| design | messages/hour | bytes/hour |\n|---|---:|---:|")
    print(f"| every frame to the cloud (old design) | {len(frames):,} | {frame_bytes:,} |")
    print(f"| one summary per 10 s window (seesay) | {len(summaries):,} | {window_bytes:,} |")
    print(f"| ratio | {len(frames) / len(summaries):,.0f}x fewer | "
          f"{frame_bytes / window_bytes:,.0f}x fewer |")


if __name__ == "__main__":
    main()
