"""The ``seesay`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from seesay.paths import default_images_dir, default_model_dir


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def cmd_detect(args: argparse.Namespace) -> int:
    """Detect objects in images, folders or videos; print one line per frame."""
    from seesay_detector.component import DetectorComponent
    from seesay_detector.detector import Detector
    from seesay_detector.frames import SourceStats, iter_sources
    from seesay_detector.model import ModelError

    try:
        detector = Detector(args.model, backend=args.backend, score_threshold=args.threshold)
    except ModelError as error:
        print(f"seesay detect: {error}", file=sys.stderr)
        return 2
    component = DetectorComponent(detector, None, args.device, args.camera)
    stats = SourceStats()
    for frame in iter_sources(args.paths, stats):
        message = component.process(frame)
        if args.json:
            print(message.to_json(), flush=True)
        else:
            seen = ", ".join(f"{d.label} {d.score:.2f}" for d in message.detections)
            print(f"{frame.source}: {seen or 'nothing'}", flush=True)
    if stats.skipped:
        print(f"seesay detect: skipped {stats.skipped} unreadable input(s)", file=sys.stderr)
    return 0 if stats.frames or not stats.skipped else 1


def cmd_aggregate(args: argparse.Namespace) -> int:
    """Fold detection JSON lines from stdin into windows; print one line per window."""
    from seesay.contract import MessageError, parse_detection_frame
    from seesay_aggregator.window import TumblingWindows

    windows = TumblingWindows(
        width_s=args.window,
        min_count=args.min_count,
        allowed_lateness_s=args.lateness,
        min_score=args.min_score,
    )
    malformed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            frame = parse_detection_frame(line)
        except MessageError as error:
            malformed += 1
            print(f"seesay aggregate: line {number} skipped: {error}", file=sys.stderr)
            continue
        for summary in windows.add(frame):
            print(summary.to_json(), flush=True)
    for summary in windows.flush():
        print(summary.to_json(), flush=True)
    if malformed or windows.stats.late_frames:
        print(
            f"seesay aggregate: {malformed} malformed line(s), "
            f"{windows.stats.late_frames} late frame(s) dropped",
            file=sys.stderr,
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline on the local stack and print the conversation."""
    from seesay.demo import DemoSettings, run_demo

    settings = DemoSettings(
        inputs=[Path(path) for path in (args.inputs or [default_images_dir()])],
        model_dir=Path(args.model),
        backend=args.backend,
        window_s=args.window,
        hold_s=args.hold,
        fps=args.fps,
    )
    missing = [str(path) for path in settings.inputs if not path.exists()]
    if missing:
        print(f"seesay demo: no such photo, folder or video: {', '.join(missing)}", file=sys.stderr)
        return 2
    run_demo(settings, sys.stdout)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seesay", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    detect = commands.add_parser("detect", help=cmd_detect.__doc__)
    detect.add_argument("paths", nargs="+", help="image files, folders of images or video files")
    detect.add_argument("--model", default=str(default_model_dir()), help="model folder")
    detect.add_argument("--backend", choices=["onnxruntime", "tflite"], default="onnxruntime")
    detect.add_argument("--threshold", type=float, default=0.5, help="minimum score reported")
    detect.add_argument("--camera", default="default", help="camera id put in each message")
    detect.add_argument("--device", default="local", help="device (thing) name in each message")
    detect.add_argument("--json", action="store_true", help="one JSON message per frame")
    detect.set_defaults(handler=cmd_detect)

    aggregate = commands.add_parser("aggregate", help=cmd_aggregate.__doc__)
    aggregate.add_argument("--window", type=float, default=10.0, help="window length, seconds")
    aggregate.add_argument(
        "--min-count", type=int, default=2,
        help="frames a label must be seen in to be reported (2 = the old design's 'more than once')",
    )
    aggregate.add_argument("--lateness", type=float, default=0.0, help="allowed lateness, seconds")
    aggregate.add_argument("--min-score", type=float, default=0.0, help="ignore lower scores")
    aggregate.set_defaults(handler=cmd_aggregate)

    demo = commands.add_parser("demo", help=cmd_demo.__doc__)
    demo.add_argument("inputs", nargs="*", help="photos, folders or a video (default: shared photos)")
    demo.add_argument("--model", default=str(default_model_dir()), help="model folder")
    demo.add_argument("--backend", choices=["onnxruntime", "tflite"], default="onnxruntime")
    demo.add_argument("--window", type=float, default=10.0, help="window length, seconds")
    demo.add_argument("--hold", type=float, default=10.0, help="scene seconds each photo is held")
    demo.add_argument("--fps", type=float, default=2.0, help="scene frames per second")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return args.handler(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
