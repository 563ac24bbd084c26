"""`seesay detect` as a user runs it: filters, annotation, interval, and the message schema."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import cv2
import jsonschema
import numpy as np
import pytest

SEESAY = [sys.executable, "-m", "seesay.cli"]


def seesay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SEESAY, *args], capture_output=True, text=True, timeout=120, check=False
    )


def schema(name: str) -> dict:
    return json.loads((resources.files("seesay") / "schemas" / name).read_text(encoding="utf-8"))


def test_every_message_follows_the_shipped_json_schema(images):
    result = seesay("detect", str(images), "--json")
    assert result.returncode == 0, result.stderr
    validator = jsonschema.Draft202012Validator(schema("detections.schema.json"))
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(messages) == 8  # every photo in the shared folder
    for message in messages:
        validator.validate(message)


def test_the_camera_status_schema_matches_the_contract():
    from seesay.contract import CameraStatus
    from seesay.timestamps import utc_now

    message = CameraStatus("thing", "porch", "offline", utc_now(), "no frame in 3 reads").to_dict()
    jsonschema.Draft202012Validator(schema("camera-status.schema.json")).validate(message)


def test_annotate_writes_labelled_copies(images, tmp_path):
    out = tmp_path / "annotated"
    result = seesay(
        "detect", str(images / "pets.jpg"), str(images / "grace_hopper.bmp"), "--annotate", str(out)
    )
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in out.iterdir())
    assert written == ["grace_hopper.jpg", "pets.jpg"]
    original = cv2.imread(str(images / "pets.jpg"))
    annotated = cv2.imread(str(out / "pets.jpg"))
    assert annotated.shape == original.shape
    assert np.abs(annotated.astype(int) - original.astype(int)).max() > 100  # boxes drawn


def test_filter_flags(images):
    result = seesay(
        "detect",
        str(images / "grace_hopper.bmp"),
        "--json",
        "--deny",
        "tie",
        "--label-threshold",
        "person=0.7",
        "--max-detections",
        "1",
    )
    assert result.returncode == 0, result.stderr
    (message,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["label"] for d in message["detections"]] == ["person"]


@pytest.mark.parametrize(
    ("flags", "complaint"),
    [
        (["--allow", "unicorn"], "'unicorn' is not a label"),
        (["--label-threshold", "dog"], "LABEL=SCORE"),
    ],
)
def test_bad_flags_fail_before_the_first_frame(images, flags, complaint):
    result = seesay("detect", str(images / "pets.jpg"), *flags)
    assert result.returncode == 2 and complaint in result.stderr


def test_interval_skips_video_frames_by_video_time(images, tmp_path):
    video = tmp_path / "ten_seconds.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (128, 96))
    frame = cv2.resize(cv2.imread(str(images / "pets.jpg")), (128, 96))
    for _ in range(50):
        writer.write(frame)
    writer.release()
    result = seesay("detect", str(video), "--json", "--interval", "2")
    assert result.returncode == 0, result.stderr
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert [source.rsplit("#", 1)[1] for source in sources] == ["0", "10", "20", "30", "40"]


def test_a_missing_camera_is_reported_offline_and_the_command_stops_cleanly():
    """Camera device 99 does not exist: one offline line, retries, and Ctrl-C ends it."""
    import signal
    import time

    process = subprocess.Popen(
        [*SEESAY, "detect", "camera:99", "--json"],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(3.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stdout == ""  # no fake "nothing seen" messages while the camera is away
    assert stderr.count("camera offline: cannot open") == 1
    assert "Traceback" not in stderr


# Flags are checked by the component's settings model, before the first frame ------------


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--threshold", "5"], "--threshold"),
        (["--threshold", "inf"], "--threshold"),
        (["--threshold", "nan"], "--threshold"),
        (["--label-threshold", "dog=nan"], "--label-threshold"),
        (["--min-area", "2"], "--min-area"),
        (["--allow", "dog", "--deny", "dog"], "--deny"),
        (["--threads", "5000"], "--threads"),
        (["--max-frames", "-1"], "--max-frames"),
        (["--interval", "1e12"], "--interval"),
        (["--interval", "1e308"], "--interval"),
        (["--interval", "inf"], "--interval"),
        (["--camera", "front/door"], "--camera"),
        (["--device", ""], "--device"),
    ],
)
def test_a_bad_flag_exits_2_with_one_line_naming_it(images, capsys, flags, named):
    from seesay.cli import main

    code = main(["detect", str(images / "pets.jpg"), *flags])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(f"seesay detect: {named}: ")


def test_a_file_name_with_a_newline_stays_on_one_output_line(images, tmp_path, capsys):
    from seesay.cli import main

    (tmp_path / "two\nlines.jpg").write_bytes((images / "pets.jpg").read_bytes())
    assert main(["detect", str(tmp_path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{tmp_path}/two\\nlines.jpg: dog")


def test_detect_refuses_model_files_that_differ_from_their_published_sha256(
    model_dir, images, tmp_path, capsys
):
    """The component refuses them; so does `seesay detect`, with the same code."""
    from seesay.cli import main
    from seesay_detector.model import read_manifest

    folder = tmp_path / "tampered"
    folder.mkdir()
    for path in model_dir.iterdir():
        (folder / path.name).symlink_to(path)
    (folder / "seesay-model.json").write_text(json.dumps(read_manifest(model_dir)))
    labels = (model_dir / "coco_labels.txt").read_text().replace("dog", "wolf")
    (folder / "coco_labels.txt").unlink()
    (folder / "coco_labels.txt").write_text(labels)

    assert main(["detect", str(images / "pets.jpg"), "--model", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "differ from their published SHA-256" in captured.err
    assert "coco_labels.txt" in captured.err
