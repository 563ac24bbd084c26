"""Benchmark the ObjectDetector on the default model: bare inference against the whole frame.

For each backend (ONNX Runtime and TFLite), in a fresh process so peak memory
is its own, it measures:

- bare inference: the runtime alone on a ready input tensor, median ms;
- full frame: JPEG decode, pre-processing, inference, post-processing,
  filters, JSON serialisation and a QoS 1 publish to a real MQTT broker on
  127.0.0.1, median ms (publishes are acknowledged before the run ends); the
  broker runs in a process of its own, as the nucleus does on a device;
- their ratio (the goal is 1.15 or less);
- the same whole frame when the next file is decoded on a reader thread
  while this one is detected (how ``seesay detect`` reads files), and for a
  camera frame, which arrives already decoded;
- frames per second over a video file, decoding included;
- peak resident memory of the process.

Run from the project root: ``.venv/bin/python bench/bench_detector.py``. It
prints a Markdown table and the machine it ran on. It is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BACKENDS = ("onnxruntime", "tflite")


def measure(backend: str, frames: int, warmup: int, threads: int, photo: Path, video: Path) -> dict:
    """All the numbers for one backend, measured in this process."""
    from seesay.paths import default_model_dir
    from seesay.timestamps import utc_now
    from seesay.transport.mqtt import MqttTransport
    from seesay_detector.component import DetectorComponent
    from seesay_detector.detector import Detector
    from seesay_detector.frames import Frame, SourceStats, decode_image, iter_video
    from seesay_detector.prefetch import read_ahead

    detector = Detector(default_model_dir(), backend=backend, threads=threads)
    jpeg = photo.read_bytes()
    tensor, _ = detector._preprocess(decode_image(jpeg))

    for _ in range(warmup):
        detector._backend.run(tensor)
    bare = []
    for _ in range(frames):
        started = time.perf_counter()
        detector._backend.run(tensor)
        bare.append((time.perf_counter() - started) * 1000)

    broker, url = start_broker()
    transport = MqttTransport.connect(url, client_id=f"bench-{backend}")
    try:
        component = DetectorComponent(detector, transport, "bench", "bench")
        full = []
        steps = {"preprocess": [], "inference": [], "postprocess": []}
        for index in range(warmup + frames):
            started = time.perf_counter()
            frame = Frame(decode_image(jpeg), photo.name, utc_now())
            component.process(frame)
            elapsed = (time.perf_counter() - started) * 1000
            if index >= warmup:
                full.append(elapsed)
        def decoded_files(count: int):
            for _ in range(count):
                yield Frame(decode_image(jpeg), photo.name, utc_now())

        component.run(read_ahead(decoded_files(warmup)))
        started = time.perf_counter()
        component.run(read_ahead(decoded_files(frames)))
        ahead_ms = (time.perf_counter() - started) * 1000 / frames

        decoded = decode_image(jpeg)
        camera = []
        for _ in range(frames):
            # A camera frame arrives decoded (the grabber thread decodes it).
            started = time.perf_counter()
            component.process(Frame(decoded, "camera", utc_now()))
            camera.append((time.perf_counter() - started) * 1000)
        for _ in range(frames // 4):
            result = detector.detect(decode_image(jpeg))
            steps["preprocess"].append(result.preprocess_ms)
            steps["inference"].append(result.inference_ms)
            steps["postprocess"].append(result.postprocess_ms)
        decode = []
        for _ in range(frames // 4):
            started = time.perf_counter()
            decode_image(jpeg)
            decode.append((time.perf_counter() - started) * 1000)

        stats = SourceStats()
        started = time.perf_counter()
        for frame in read_ahead(iter_video(video, stats)):
            component.process(frame)
        video_s = time.perf_counter() - started
        acknowledged = transport.flush()
    finally:
        transport.close()
        broker.terminate()
        broker.wait(timeout=10)

    bare_ms, full_ms = statistics.median(bare), statistics.median(full)
    return {
        "backend": backend,
        "bare_ms": bare_ms,
        "full_ms": full_ms,
        "ratio": full_ms / bare_ms,
        "ahead_ms": ahead_ms,
        "ahead_ratio": ahead_ms / bare_ms,
        "camera_ms": statistics.median(camera),
        "camera_ratio": statistics.median(camera) / bare_ms,
        "decode_ms": statistics.median(decode),
        "preprocess_ms": statistics.median(steps["preprocess"]),
        "inference_ms": statistics.median(steps["inference"]),
        "postprocess_ms": statistics.median(steps["postprocess"]),
        "video_frames": stats.frames,
        "video_fps": stats.frames / video_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "published": component.published,
        "acknowledged": acknowledged,
    }


def start_broker() -> tuple[subprocess.Popen, str]:
    """The local stack's MQTT broker on 127.0.0.1, in its own process; returns it and its URL."""
    from seesay.localstack.broker import free_port

    port = free_port()
    code = (
        "import sys, time\n"
        "from seesay.localstack.broker import EmbeddedBroker\n"
        f"EmbeddedBroker(port={port}).start()\n"
        "print('ready', flush=True)\n"
        "time.sleep(3600)\n"
    )
    broker = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    if broker.stdout.readline().strip() != "ready":
        raise RuntimeError("the MQTT broker did not start")
    return broker, f"mqtt://127.0.0.1:{port}"


def make_video(path: Path, images: Path, seconds: int = 10, fps: int = 10) -> Path:
    """A 640x480 MJPG video cycling through the shared photos, one per second."""
    import cv2

    photos = sorted(p for p in images.iterdir() if p.suffix in (".jpg", ".bmp"))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), float(fps), (640, 480))
    for second in range(seconds):
        picture = cv2.resize(cv2.imread(str(photos[second % len(photos)])), (640, 480))
        for _ in range(fps):
            writer.write(picture)
    writer.release()
    return path


def machine() -> list[str]:
    """What the numbers were measured on."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True, check=False
            ).stdout.splitlines()
            if line.startswith("Model name")
        ),
        platform.processor() or "unknown",
    )
    import ai_edge_litert
    import numpy
    import onnxruntime

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"CPU: {model}, nproc {os.cpu_count()} (`nproc`: "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()})",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}; "
        f"onnxruntime {onnxruntime.__version__}, ai-edge-litert "
        f"{getattr(ai_edge_litert, '__version__', '?')}, numpy {numpy.__version__}",
        f"load average when the table was printed (1, 5, 15 min): {load}",
    ]


def table(results: list[dict], frames: int, threads: int, photo: str, video_frames: int) -> str:
    rows = [
        ("bare inference, median ms", "bare_ms", "{:.2f}"),
        ("full frame, median ms", "full_ms", "{:.2f}"),
        ("ratio full / bare (goal <= 1.15)", "ratio", "{:.3f}"),
        ("full frame, next file decoded ahead, mean ms", "ahead_ms", "{:.2f}"),
        ("ratio read-ahead frame / bare", "ahead_ratio", "{:.3f}"),
        ("full frame from a camera (already decoded), median ms", "camera_ms", "{:.2f}"),
        ("ratio camera frame / bare", "camera_ratio", "{:.3f}"),
        ("- JPEG decode, median ms", "decode_ms", "{:.2f}"),
        ("- pre-process, median ms", "preprocess_ms", "{:.2f}"),
        ("- inference in detect(), median ms", "inference_ms", "{:.2f}"),
        ("- post-process + filters, median ms", "postprocess_ms", "{:.2f}"),
        (f"video fps ({video_frames} frames 640x480, decode included)", "video_fps", "{:.1f}"),
        ("peak RSS, MB", "peak_rss_mb", "{:.0f}"),
    ]
    lines = [
        f"| default model, {threads} threads, {frames} frames of {photo} | "
        + " | ".join(result["backend"] for result in results)
        + " |",
        "|---|" + "---:|" * len(results),
    ]
    for title, key, style in rows:
        lines.append(f"| {title} | " + " | ".join(style.format(r[key]) for r in results) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="timed frames per measurement")
    parser.add_argument("--warmup", type=int, default=20, help="untimed frames first")
    parser.add_argument("--threads", type=int, default=2, help="inference threads")
    parser.add_argument("--photo", type=Path, help="JPEG to time (default: shared pets.jpg)")
    parser.add_argument(
        "--video", type=Path, help="video file (default: made from the shared photos)"
    )
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--one", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from seesay.paths import default_images_dir

    photo = args.photo or default_images_dir() / "pets.jpg"
    if args.one:
        print(
            json.dumps(measure(args.one, args.frames, args.warmup, args.threads, photo, args.video))
        )
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        video = args.video or make_video(Path(scratch) / "scene.avi", default_images_dir())
        results = []
        for backend in args.backends:
            # One process per backend, so each peak RSS is that backend's own.
            run = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    backend,
                    "--frames",
                    str(args.frames),
                    "--warmup",
                    str(args.warmup),
                    "--threads",
                    str(args.threads),
                    "--photo",
                    str(photo),
                    "--video",
                    str(video),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    print(table(results, args.frames, args.threads, photo.name, results[0]["video_frames"]))
    print()
    for line in machine():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
