"""seesay: a camera at the edge sees, a voice assistant says what it sees."""

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


def _label_score(text: str) -> tuple[str, float]:
    """``LABEL=SCORE`` from the command line; the score's range is checked with the settings."""
    label, _, score = text.rpartition("=")
    try:
        value = float(score)
    except ValueError:
        label = ""
    if not label:
        raise argparse.ArgumentTypeError(f"{text!r} is not LABEL=SCORE with SCORE in 0..1")
    return label, value


def cmd_detect(args: argparse.Namespace) -> int:
    """Detect objects in images, folders, videos, a camera or a stream; print one line per frame."""
    import itertools
    import threading

    from seesay.component_config import ConfigError
    from seesay.contract import DetectionFrame
    from seesay_detector.annotate import AnnotationWriter
    from seesay_detector.component import DetectorComponent
    from seesay_detector.detector import Detector
    from seesay_detector.frames import SourceStats, one_line
    from seesay_detector.model import ModelError
    from seesay_detector.settings import check_message_id, settings_from_values
    from seesay_detector.sources import open_source

    # The flags are the component's settings under other names: the same rules check both.
    flags = {
        "ModelDirectory": ("--model", args.model),
        "Backend": ("--backend", args.backend),
        "InferenceThreads": ("--threads", args.threads),
        "ScoreThreshold": ("--threshold", args.threshold),
        "LabelScoreThresholds": ("--label-threshold", dict(args.label_threshold)),
        "AllowLabels": ("--allow", args.allow),
        "DenyLabels": ("--deny", args.deny),
        "MinBoxArea": ("--min-area", args.min_area),
        "MaxDetections": ("--max-detections", args.max_detections),
        "InferenceInterval": ("--interval", args.interval),
        "CameraId": ("--camera", args.camera),
    }
    try:
        settings = settings_from_values(
            {key: value for key, (_, value) in flags.items()},
            {key: flag for key, (flag, _) in flags.items()},
        )
    except ConfigError as error:
        print(f"seesay detect: {error}", file=sys.stderr)
        return 2
    if args.max_frames < 0:
        print(f"seesay detect: --max-frames: must be 0 (no limit) or more, not {args.max_frames}",
              file=sys.stderr)
        return 2
    try:
        check_message_id(args.device, "device")
    except ValueError as error:
        print(f"seesay detect: --device: {error}", file=sys.stderr)
        return 2
    try:
        detector = Detector(
            settings.ModelDirectory or default_model_dir(), backend=settings.Backend,
            filters=settings.detection_filter(), threads=settings.InferenceThreads,
        )
    except ModelError as error:
        print(f"seesay detect: {one_line(str(error))}", file=sys.stderr)
        return 2
    try:
        annotations = AnnotationWriter(args.annotate) if args.annotate else None
    except OSError as error:
        print(f"seesay detect: --annotate: cannot create {args.annotate}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 2
    component = DetectorComponent(
        detector, None, args.device, settings.CameraId, annotations=annotations
    )
    stats = SourceStats()
    stop = threading.Event()
    try:
        source = open_source(
            args.paths, stats, stop, watch=args.watch, interval_s=settings.InferenceInterval,
            on_status=lambda status, reason: print(
                f"seesay detect: camera {status}: {reason}", file=sys.stderr, flush=True),
        )
    except ValueError as error:
        print(f"seesay detect: {one_line(str(error))}", file=sys.stderr)
        return 2

    def show(message: DetectionFrame) -> None:
        if args.json:
            print(message.to_json(), flush=True)
        else:
            seen = ", ".join(f"{d.label} {d.score:.2f}" for d in message.detections)
            print(f"{one_line(message.source)}: {seen or 'nothing'}", flush=True)

    frames = itertools.islice(source.frames, args.max_frames) if args.max_frames else source.frames
    interval = settings.InferenceInterval if source.clock_paced else 0.0
    try:
        component.run(frames, stop, interval, show)
    finally:
        stop.set()
    if stats.skipped:
        print(f"seesay detect: skipped {stats.skipped} unreadable input(s)", file=sys.stderr)
    if component.stats.failed_frames:
        print(f"seesay detect: detection failed on {component.stats.failed_frames} frame(s)",
              file=sys.stderr)
    return 0 if stats.frames or not stats.skipped else 1


def cmd_model_fetch(args: argparse.Namespace) -> int:
    """Download a known model from its public origin and verify every file's SHA-256."""
    from seesay_detector.fetch import fetch_model
    from seesay_detector.model import ModelError

    dest = Path(args.dest) if args.dest else Path("models") / args.name
    try:
        report = fetch_model(args.name, dest, url=args.url)
    except ModelError as error:
        print(f"seesay model fetch: {error}", file=sys.stderr)
        return 1
    for file_name in report.verified:
        print(f"{dest / file_name}: sha256 ok")
    for file_name, how in report.missing.items():
        print(f"{dest / file_name}: not downloadable ({how}); the tflite backend runs without it")
    return 0


def cmd_model_verify(args: argparse.Namespace) -> int:
    """Check a model folder's files against the SHA-256 sums its manifest publishes."""
    from seesay_detector.fetch import verify_folder
    from seesay_detector.model import ModelError, read_manifest

    folder = Path(args.folder)
    try:
        results = verify_folder(folder, read_manifest(folder))
    except ModelError as error:
        print(f"seesay model verify: {error}", file=sys.stderr)
        return 2
    for file_name, verdict in results.items():
        print(f"{folder / file_name}: {verdict}")
    return 0 if all(verdict != "MISMATCH" for verdict in results.values()) else 1


def cmd_model_convert(args: argparse.Namespace) -> int:
    """Convert an MXNet/GluonCV SSD (symbol and params) into an ONNX model folder."""
    from seesay_detector.convert import convert_mxnet
    from seesay_detector.model import ModelError

    try:
        folder = convert_mxnet(
            Path(args.symbol), Path(args.params), Path(args.out), python=args.python,
            width=args.width, height=args.height, labels=args.labels,
        )
    except ModelError as error:
        print(f"seesay model convert: {error}", file=sys.stderr)
        return 1
    print(f"wrote model folder {folder}")
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    """Fold detection JSON lines from stdin into windows; print one line per window."""
    from seesay.component_config import ConfigError, validate_settings
    from seesay.contract import MessageError, parse_detection_frame
    from seesay_aggregator.payload import encode_summary
    from seesay_aggregator.settings import AggregatorSettings
    from seesay_aggregator.window import TumblingWindows

    flags = {"WindowSeconds": "--window", "MinCount": "--min-count",
             "AllowedLatenessSeconds": "--lateness", "MinScore": "--min-score",
             "MaxFutureSeconds": "--max-future"}
    try:
        settings = validate_settings(AggregatorSettings, {
            "WindowSeconds": args.window, "MinCount": args.min_count,
            "AllowedLatenessSeconds": args.lateness, "MinScore": args.min_score,
            "MaxFutureSeconds": args.max_future,
        })
    except ConfigError as error:
        message = str(error)
        for key, flag in flags.items():
            message = message.replace(f"{key}:", f"{flag}:")
        print(f"seesay aggregate: {message}", file=sys.stderr)
        return 2
    windows = TumblingWindows(
        width_s=settings.WindowSeconds,
        min_count=settings.MinCount,
        allowed_lateness_s=settings.AllowedLatenessSeconds,
        min_score=settings.MinScore,
        max_future_s=settings.MaxFutureSeconds,
    )

    def emit(summaries) -> None:
        for summary in summaries:
            sys.stdout.write(encode_summary(summary).decode("utf-8") + "\n")
        sys.stdout.flush()

    malformed = 0
    for number, line in enumerate(sys.stdin.buffer, start=1):
        if not line.strip():
            continue
        try:
            frame = parse_detection_frame(line)
        except MessageError as error:
            malformed += 1
            print(f"seesay aggregate: line {number} skipped: {error}", file=sys.stderr)
            continue
        emit(windows.add(frame))
    emit(windows.flush())
    stats = windows.stats
    if malformed or stats.late_frames or stats.future_frames:
        print(
            f"seesay aggregate: {malformed} malformed line(s), "
            f"{stats.late_frames} late frame(s) dropped, "
            f"{stats.future_frames} frame(s) from the future refused",
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


def cmd_build(args: argparse.Namespace) -> int:
    """Build components into GDK's greengrass-build/ layout, without GDK."""
    from seesay.packaging.build import BuildError, build_project
    from seesay.packaging.deployment import DeploymentError
    from seesay.paths import project_root

    logging.getLogger("seesay.packaging").setLevel(logging.INFO)
    try:
        built = build_project(project_root(), args.components)
    except (BuildError, DeploymentError) as error:
        print(f"seesay build: {error}", file=sys.stderr)
        return 1
    for component in built:
        print(f"{component.name} {component.version}: {component.recipe_path}")
    return 0


def cmd_run_component(args: argparse.Namespace) -> int:
    """Run a built component's Install and Run steps as a Greengrass nucleus would."""
    import os

    from seesay.component_config import ConfigError, read_config_file
    from seesay.packaging.component_store import ComponentStore, StoreError
    from seesay.packaging.interpolation import InterpolationError
    from seesay.packaging.lifecycle import (
        LifecycleError, prepare, reuse_site_packages, run_component,
    )

    logging.getLogger("seesay.packaging").setLevel(logging.INFO)
    from seesay.localstack.endpoints import read_endpoints

    environment = dict(os.environ)
    running = read_endpoints()
    if running is not None and "SEESAY_MQTT_URL" not in environment:
        # A `seesay localstack` is up: the component talks to its broker.
        environment["SEESAY_MQTT_URL"] = running["mqtt_url"]
        print(f"seesay run-component: using the local stack at {running['mqtt_url']}",
              file=sys.stderr)
    if args.reuse_site_packages:
        environment.update(reuse_site_packages())
    try:
        merge = read_config_file(args.config) if args.config else {}
        store = ComponentStore(args.build_dir / "recipes", args.build_dir / "artifacts")
        prepared = prepare(
            store, args.name, args.work_dir.resolve(), args.thing_name, merge, environment
        )
    except (ConfigError, StoreError, LifecycleError, InterpolationError) as error:
        print(f"seesay run-component: {error}", file=sys.stderr)
        return 2
    try:
        return run_component(prepared)
    except LifecycleError as error:
        print(f"seesay run-component: {error}", file=sys.stderr)
        return 1


def cmd_localstack(args: argparse.Namespace) -> int:
    """Run the local stack (MQTT broker, Kinesis, IoT rule) until Ctrl-C; other commands use it."""
    from seesay.localstack.serve import AlreadyRunning, serve

    logging.getLogger("seesay.localstack").setLevel(logging.INFO)
    try:
        serve(sys.stdout, args.stream, args.shards)
    except AlreadyRunning as error:
        print(f"seesay localstack: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Ask the skill a question in words, as said to Alexa; print its answer."""
    from seesay.ask import AskError, ask
    from seesay.invoke import SkillRefused, skill_log_level

    try:
        with skill_log_level(logging.INFO if args.verbose else logging.WARNING):
            answer = ask(args.utterance, locale=args.locale, devices=args.device, aws=args.aws,
                         new_session=args.new_session)
    except AskError as error:
        print(f"seesay ask: {error}", file=sys.stderr)
        return 2
    except SkillRefused as error:
        print(f"seesay ask: the skill refused the request: {error}", file=sys.stderr)
        return 1
    print(answer.speech or "(no speech)")
    return 0


def cmd_skill_invoke(args: argparse.Namespace) -> int:
    """Run one Alexa request envelope through the skill's handler; print the response as JSON."""
    import os

    from seesay.invoke import (
        EnvelopeError, SkillRefused, invoke_handler, read_envelope, skill_log_level,
    )
    from seesay.localstack.endpoints import read_endpoints
    from seesay.stream_target import choose_target

    try:
        envelope = read_envelope(args.request)
    except EnvelopeError as error:
        print(f"seesay skill invoke: {error}", file=sys.stderr)
        return 2
    target = choose_target(os.environ, read_endpoints(), aws=args.aws)
    try:
        with skill_log_level(logging.INFO if args.verbose else logging.WARNING):
            response = invoke_handler(
                envelope, target.environment if target else {}, args.budget_ms
            )
    except SkillRefused as error:
        print(f"seesay skill invoke: the skill refused the request: {error}", file=sys.stderr)
        return 1
    print(json.dumps(response, indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seesay", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    detect = commands.add_parser("detect", help=cmd_detect.__doc__)
    detect.add_argument(
        "paths", nargs="+",
        help="image files, folders, video files, a camera index (0) or a stream URL (rtsp://...)",
    )
    detect.add_argument("--model", default=str(default_model_dir()), help="model folder")
    detect.add_argument("--backend", choices=["onnxruntime", "tflite"], default="onnxruntime")
    detect.add_argument("--threads", type=int, default=2, help="inference CPU threads")
    detect.add_argument("--threshold", type=float, default=0.5, help="minimum score reported")
    detect.add_argument(
        "--label-threshold", type=_label_score, action="append", default=[], metavar="LABEL=SCORE",
        help="minimum score for one label (repeatable)",
    )
    detect.add_argument("--allow", action="append", default=[], metavar="LABEL",
                        help="report only this label (repeatable)")
    detect.add_argument("--deny", action="append", default=[], metavar="LABEL",
                        help="never report this label (repeatable)")
    detect.add_argument("--min-area", type=float, default=0.0,
                        help="smallest box reported, as a fraction of the frame")
    detect.add_argument("--max-detections", type=int, default=0,
                        help="most detections per frame, best first (0 = no limit)")
    detect.add_argument("--interval", type=float, default=0.0,
                        help="seconds between inferences; frames in between are skipped")
    detect.add_argument("--watch", action="store_true",
                        help="keep watching the folder for new images")
    detect.add_argument("--max-frames", type=int, default=0, help="stop after this many frames")
    detect.add_argument("--annotate", metavar="DIR",
                        help="write copies of the frames with labelled boxes drawn")
    detect.add_argument("--camera", default="default", help="camera id put in each message")
    detect.add_argument("--device", default="local", help="device (thing) name in each message")
    detect.add_argument("--json", action="store_true", help="one JSON message per frame")
    detect.set_defaults(handler=cmd_detect)

    model = commands.add_parser("model", help="get, check or convert models")
    model_commands = model.add_subparsers(dest="model_command", required=True)
    fetch = model_commands.add_parser("fetch", help=cmd_model_fetch.__doc__)
    fetch.add_argument("name", nargs="?", default="ssd_mobilenet_v1_coco_quant",
                       help="a model with a shipped manifest")
    fetch.add_argument("--dest", help="folder to fill (default: models/NAME)")
    fetch.add_argument("--url", help="download from here instead of the public origin (a mirror)")
    fetch.set_defaults(handler=cmd_model_fetch)
    verify = model_commands.add_parser("verify", help=cmd_model_verify.__doc__)
    verify.add_argument("folder", help="model folder")
    verify.set_defaults(handler=cmd_model_verify)
    convert = model_commands.add_parser("convert", help=cmd_model_convert.__doc__)
    convert.add_argument("--symbol", required=True, help="the model's -symbol.json file")
    convert.add_argument("--params", required=True, help="the model's .params file")
    convert.add_argument("--out", required=True, help="model folder to write")
    convert.add_argument("--python",
                         help="a Python with mxnet 1.9.1 (default: $SEESAY_MXNET_PYTHON)")
    convert.add_argument("--width", type=int, default=512, help="network input width")
    convert.add_argument("--height", type=int, default=512, help="network input height")
    convert.add_argument("--labels", default="voc.txt", help="label file (default: VOC's 20)")
    convert.set_defaults(handler=cmd_model_convert)

    aggregate = commands.add_parser("aggregate", help=cmd_aggregate.__doc__)
    aggregate.add_argument("--window", type=float, default=10.0, help="window length, seconds")
    aggregate.add_argument(
        "--min-count", type=int, default=2,
        help="frames a label must be seen in to be reported (2 = the old design's 'more than once')",
    )
    aggregate.add_argument("--lateness", type=float, default=0.0, help="allowed lateness, seconds")
    aggregate.add_argument("--min-score", type=float, default=0.0, help="ignore lower scores")
    aggregate.add_argument(
        "--max-future", type=float, default=300.0,
        help="refuse frames stamped more than this many seconds ahead of the clock",
    )
    aggregate.set_defaults(handler=cmd_aggregate)

    demo = commands.add_parser("demo", help=cmd_demo.__doc__)
    demo.add_argument("inputs", nargs="*", help="photos, folders or a video (default: shared photos)")
    demo.add_argument("--model", default=str(default_model_dir()), help="model folder")
    demo.add_argument("--backend", choices=["onnxruntime", "tflite"], default="onnxruntime")
    demo.add_argument("--window", type=float, default=10.0, help="window length, seconds")
    demo.add_argument("--hold", type=float, default=10.0, help="scene seconds each photo is held")
    demo.add_argument("--fps", type=float, default=2.0, help="scene frames per second")
    demo.set_defaults(handler=cmd_demo)

    from seesay.paths import project_root

    build = commands.add_parser("build", help=cmd_build.__doc__)
    build.add_argument("components", nargs="*", metavar="COMPONENT",
                       help="component names (default: every folder under components/)")
    build.set_defaults(handler=cmd_build)

    run_component = commands.add_parser("run-component", help=cmd_run_component.__doc__)
    run_component.add_argument("name", metavar="NAME", help="e.g. com.example.ObjectDetector")
    run_component.add_argument(
        "--config", type=Path, help="JSON or YAML merged over DefaultConfiguration"
    )
    run_component.add_argument(
        "--thing-name", default="seesay-local", help="this device's thing name"
    )
    run_component.add_argument(
        "--work-dir", type=Path, default=project_root() / ".seesay" / "greengrass",
        help="nucleus root: packages/ and work/ go here",
    )
    run_component.add_argument(
        "--build-dir", type=Path, default=project_root() / "greengrass-build",
        help="where `seesay build` gathered recipes/ and artifacts/",
    )
    run_component.add_argument(
        "--reuse-site-packages", action="store_true",
        help="let Install reuse this Python's packages instead of downloading (offline, tests)",
    )
    run_component.set_defaults(handler=cmd_run_component)

    localstack = commands.add_parser("localstack", help=cmd_localstack.__doc__)
    localstack.add_argument("--stream", default="seesay-windows", help="Kinesis stream name")
    localstack.add_argument("--shards", type=int, default=1, help="shards in the stream")
    localstack.set_defaults(handler=cmd_localstack)

    ask = commands.add_parser("ask", help=cmd_ask.__doc__)
    ask.add_argument("utterance", metavar="UTTERANCE", help='e.g. "do you see a dog?"')
    ask.add_argument("--locale", default="en-US", help="interaction model to resolve it with")
    ask.add_argument("--device", action="append", default=[], metavar="NAME",
                     help="thing name the skill may speak about (repeatable; default: all)")
    ask.add_argument("--aws", action="store_true",
                     help="read the real stream (STREAM_NAME, AWS credentials), not the local one")
    ask.add_argument("--new-session", action="store_true",
                     help="start a new session instead of continuing an open one")
    ask.set_defaults(handler=cmd_ask)

    skill = commands.add_parser("skill", help="run the Alexa skill's handler locally")
    skill_commands = skill.add_subparsers(dest="skill_command", required=True)
    invoke = skill_commands.add_parser("invoke", help=cmd_skill_invoke.__doc__)
    invoke.add_argument("request", metavar="REQUEST.json", help="request envelope (- for stdin)")
    invoke.add_argument("--aws", action="store_true",
                        help="read the real stream even when the local stack is running")
    invoke.add_argument("--budget-ms", type=float, default=7000.0,
                        help="time the Lambda context says is left (default: the 7 s timeout)")
    invoke.set_defaults(handler=cmd_skill_invoke)
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
