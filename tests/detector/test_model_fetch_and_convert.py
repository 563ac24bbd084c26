"""`seesay model fetch/verify/convert`, offline only: file:// URLs and a loopback server.

Nothing here reaches the internet: the "public origin" is a zip built from the
shared model files, served from this machine.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
import zipfile

import pytest

from seesay.localstack.broker import free_port
from seesay_detector.convert import ConvertError, convert_mxnet
from seesay_detector.fetch import FetchError, fetch_model
from seesay_detector.model import read_shipped_manifest

SEESAY = [sys.executable, "-m", "seesay.cli"]
DEFAULT = "ssd_mobilenet_v1_coco_quant"


def seesay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SEESAY, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def origin_zip(model_dir, tmp_path):
    """The public zip's layout: detect.tflite and labelmap.txt under a folder."""
    archive = tmp_path / "origin" / "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(model_dir / "detect.tflite", "detect.tflite")
        zipped.write(model_dir / "coco_labels.txt", "labelmap.txt")
    return archive


def test_fetch_unpacks_derives_and_verifies_every_file(origin_zip, tmp_path, images):
    dest = tmp_path / "fetched"
    report = fetch_model(DEFAULT, dest, url=origin_zip.as_uri())
    assert sorted(report.verified) == ["anchors_yxhw.npy", "coco_labels.txt", "detect.tflite"]
    assert list(report.missing) == ["ssd_mobilenet_v1_coco_quant_head.onnx"]

    from seesay_detector.detector import Detector
    from seesay_detector.frames import read_image

    detections = Detector(dest, backend="tflite").detect(read_image(images / "pets.jpg")).detections
    assert [d.label for d in detections] == ["dog", "dog"]


def test_fetch_refuses_and_removes_a_file_whose_sha256_differs(model_dir, tmp_path):
    archive = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("detect.tflite", (model_dir / "detect.tflite").read_bytes()[:-1] + b"\0")
        zipped.write(model_dir / "coco_labels.txt", "labelmap.txt")
    dest = tmp_path / "fetched"
    with pytest.raises(FetchError, match="SHA-256"):
        fetch_model(DEFAULT, dest, url=archive.as_uri())
    assert not (dest / "detect.tflite").exists()


def test_fetch_over_http_from_a_loopback_server(origin_zip, tmp_path):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(origin_zip.parent)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{origin_zip.name}"
        report = fetch_model(DEFAULT, tmp_path / "fetched", url=url)
        assert "detect.tflite" in report.verified
        with pytest.raises(FetchError, match="404"):
            fetch_model(DEFAULT, tmp_path / "other", url=url + ".missing")
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_without_a_network_fails_with_a_clear_message(tmp_path):
    """A closed loopback port stands in for a device with no internet."""
    result = seesay(
        "model",
        "fetch",
        "--dest",
        str(tmp_path / "m"),
        "--url",
        f"http://127.0.0.1:{free_port()}/model.zip",
    )
    assert result.returncode == 1
    assert "cannot download" in result.stderr and "seesay model verify" in result.stderr
    assert "Traceback" not in result.stderr


def test_fetch_of_a_model_with_no_public_download_says_so(tmp_path):
    with pytest.raises(FetchError, match="no public download"):
        fetch_model("ssdlite_mobilenet_v2_person", tmp_path)


def test_every_shipped_manifest_publishes_a_sha256_per_file():
    for name in (
        "ssd_mobilenet_v1_coco_quant",
        "ssd_mobilenet_v2_fpnlite_320_coco17",
        "ssdlite_mobilenet_v2_person",
    ):
        origin = read_shipped_manifest(name)["origin"]
        assert origin["license"] and origin["sha256"]
        assert all(len(digest) == 64 for digest in origin["sha256"].values())


def test_verify_reports_ok_and_mismatch(model_dir, tmp_path):
    assert seesay("model", "verify", str(model_dir)).returncode == 0
    copy = tmp_path / DEFAULT
    copy.mkdir()
    for path in model_dir.iterdir():
        (copy / path.name).symlink_to(path)
    (copy / "coco_labels.txt").unlink()
    (copy / "coco_labels.txt").write_text("person\n")
    result = seesay("model", "verify", str(copy))
    assert result.returncode == 1 and "coco_labels.txt: MISMATCH" in result.stdout


def test_convert_without_mxnet_explains_why_and_how(tmp_path):
    """This environment has numpy>=1.26, so mxnet 1.9.1 cannot be here: the message says so."""
    symbol, params = tmp_path / "ssd-symbol.json", tmp_path / "ssd-0000.params"
    symbol.write_text("{}")
    params.write_bytes(b"\0")
    with pytest.raises(ConvertError, match=r"cannot import mxnet.*numpy<1.24"):
        convert_mxnet(symbol, params, tmp_path / "out", python=sys.executable)
    result = seesay(
        "model",
        "convert",
        "--symbol",
        str(symbol),
        "--params",
        str(params),
        "--out",
        str(tmp_path / "out"),
        "--python",
        sys.executable,
    )
    assert result.returncode == 1 and "numpy<1.24" in result.stderr


def test_convert_refuses_missing_inputs(tmp_path):
    with pytest.raises(ConvertError, match="does not exist"):
        convert_mxnet(tmp_path / "a-symbol.json", tmp_path / "a.params", tmp_path / "out")


@pytest.mark.skipif(
    not __import__("os").environ.get("SEESAY_MXNET_PYTHON"),
    reason="needs SEESAY_MXNET_PYTHON: a Python with mxnet 1.9.1, gluoncv and onnx",
)
def test_convert_a_gluoncv_ssd_end_to_end(tmp_path):
    """Builds GluonCV's VOC SSD with random weights (no download), exports, converts, loads."""
    import os

    build = (
        "import mxnet as mx; from gluoncv import model_zoo\n"
        "net = model_zoo.get_model('ssd_512_mobilenet1.0_voc', pretrained=False,\n"
        "                          pretrained_base=False)\n"
        "net.initialize(mx.init.Normal(0.01)); net.hybridize()\n"
        "net(mx.nd.zeros((1, 3, 512, 512))); net.export('ssd')\n"
    )
    subprocess.run(
        [os.environ["SEESAY_MXNET_PYTHON"], "-c", build],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=600,
    )
    folder = convert_mxnet(
        tmp_path / "ssd-symbol.json",
        tmp_path / "ssd-0000.params",
        tmp_path / "ssd_512_mobilenet1_voc",
    )

    from seesay_detector.detector import Detector

    detector = Detector(folder)
    assert detector._decoder.convention == "gluoncv"
    assert len(detector.spec.known_labels) == 20
