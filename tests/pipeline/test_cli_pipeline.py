"""The command line as a user runs it: detect, aggregate, and the two piped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

SEESAY = [sys.executable, "-m", "seesay.cli"]


def seesay(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SEESAY, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_detect_json_reports_two_dogs_on_pets(images):
    result = seesay("detect", str(images / "pets.jpg"), "--json")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    message = json.loads(line)
    assert message["source"].endswith("pets.jpg")
    assert message["timestamp"].endswith("Z")
    dogs = [d for d in message["detections"] if d["label"] == "dog"]
    assert len(dogs) == 2 and all(d["score"] > 0.7 for d in dogs)
    assert all(len(d["box"]) == 4 for d in dogs)


def test_detect_skips_broken_files_and_says_so(images, tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    good = (images / "pets.jpg").read_bytes()
    (tmp_path / "half.jpg").write_bytes(good[: len(good) // 2])
    (tmp_path / "pets.jpg").write_bytes(good)
    result = seesay("detect", str(tmp_path), "--json")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1
    assert "skipped 3 unreadable input(s)" in result.stderr
    assert "truncated" in result.stderr


def test_detect_on_a_video_piped_into_aggregate(images, tmp_path):
    """`seesay detect video.mp4 --json | seesay aggregate`: 12 s of pets then 12 s of a cat."""
    video = tmp_path / "scene.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 2.0, (512, 430))
    for photo in ["pets.jpg", "cat_720p.jpg"]:
        bgr = cv2.resize(cv2.imread(str(images / photo)), (512, 430))
        for _ in range(24):
            writer.write(bgr)
    writer.release()

    detected = seesay("detect", str(video), "--json", "--camera", "porch")
    assert detected.returncode == 0, detected.stderr
    assert len(detected.stdout.splitlines()) == 48
    aggregated = seesay("aggregate", "--window", "10", stdin=detected.stdout)
    assert aggregated.returncode == 0, aggregated.stderr
    windows = [json.loads(line) for line in aggregated.stdout.splitlines()]
    assert sum(w["frames"] for w in windows) == 48
    assert all(w["camera"] == "porch" for w in windows)
    names = [{o["objectName"] for o in w["objects"]} for w in windows]
    assert "dog" in names[0] and "cat" in names[-1]
    assert all(w["windowStart"].endswith("Z") and w["windowEnd"].endswith("Z") for w in windows)


def test_aggregate_counts_and_skips_malformed_lines():
    lines = [
        '{"camera": "c", "timestamp": "2026-01-01T00:00:01+01:00", "detections": '
        '[{"label": "dog", "score": 0.9, "box": [0, 0, 1, 1]}]}',
        "garbage",
        '{"camera": "c", "timestamp": "2025-12-31T23:00:02Z", "detections": '
        '[{"label": "dog", "score": 0.8, "box": [0, 0, 1, 1]}]}',
    ]
    result = seesay("aggregate", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0
    (window,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert window["windowStart"] == "2025-12-31T23:00:00.000Z"
    assert window["objects"][0]["objectCount"] == 2
    assert "line 2 skipped" in result.stderr and "1 malformed" in result.stderr


def test_detect_with_a_missing_model_fails_clearly(tmp_path, images):
    result = seesay("detect", str(images / "pets.jpg"), "--model", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_aggregate_refuses_impossible_settings_naming_the_flag():
    for flags, named in [(["--window", "0"], "--window"), (["--window", "inf"], "--window"),
                         (["--min-count", "0"], "--min-count"), (["--lateness", "nan"], "--lateness"),
                         (["--min-score", "5"], "--min-score")]:
        result = seesay("aggregate", *flags, stdin="")
        assert result.returncode == 2, flags
        assert named in result.stderr and "Traceback" not in result.stderr


def test_aggregate_skips_lines_that_are_not_utf8_or_nested_too_deep():
    good = ('{"camera": "c", "timestamp": "2026-01-01T00:00:01Z", "detections": '
            '[{"label": "dog", "score": 0.9, "box": [0, 0, 1, 1]}]}')
    result = subprocess.run(
        [*SEESAY, "aggregate", "--min-count", "1"],
        input=b"\xff\xfe\n" + b"[" * 50_000 + b"]" * 50_000 + b"\n" + good.encode() + b"\n",
        capture_output=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b"2 malformed line(s)" in result.stderr
    (window,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert window["objects"][0]["objectName"] == "dog"
