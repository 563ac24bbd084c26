"""`seesay demo`, as `make demo` runs it: the whole pipeline on the shared photos."""

from __future__ import annotations

import re
import subprocess
import sys


def test_the_demo_conversation_names_a_dog_a_person_and_a_cat():
    result = subprocess.run(
        [sys.executable, "-m", "seesay.cli", "demo"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    answers = " ".join(line for line in lines if line.startswith("alexa:"))
    for thing in ("dog", "person", "cat"):
        assert re.search(rf"\b{thing}s?\b|\bpeople\b" if thing == "person" else rf"\b{thing}s?\b",
                         answers), answers
    assert "I see two dogs" in answers
    windows = [line for line in lines if line.startswith("window ")]
    cameras = [line for line in lines if line.startswith("camera front: ")]
    assert len(windows) == len(cameras) >= 8
    assert all(line.endswith("(20 frames)") for line in windows)
    # Every window is followed by a question and an answer about it.
    for index, line in enumerate(lines):
        if line.startswith("window "):
            assert lines[index + 1].startswith("you:") and lines[index + 2].startswith("alexa:")
    assert "Traceback" not in result.stderr


def test_the_demo_refuses_a_missing_input_clearly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "seesay.cli", "demo", str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "no such photo, folder or video" in result.stderr
