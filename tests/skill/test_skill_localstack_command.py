"""``seesay localstack`` and its endpoints file, which the other laptop commands read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from seesay.cli import main
from seesay.localstack.endpoints import (
    endpoints_path,
    read_endpoints,
    remove_endpoints,
    write_endpoints,
)

START_TIMEOUT_S = 30.0


def stack_like(kinesis_endpoint: str = "http://127.0.0.1:4567"):
    """What write_endpoints reads from a started stack."""

    class Started:
        mqtt_url = "mqtt://127.0.0.1:1883"
        stream_name = "seesay-windows"

        def __init__(self) -> None:
            self.kinesis_endpoint = kinesis_endpoint

        def environment(self) -> dict[str, str]:
            return {"KINESIS_ENDPOINT_URL": self.kinesis_endpoint, "AWS_REGION": "eu-west-1"}

    return Started()


def test_endpoints_round_trip(state_dir) -> None:
    path = write_endpoints(stack_like())

    assert path == endpoints_path() == state_dir / "localstack.json"
    endpoints = read_endpoints()
    assert endpoints["pid"] == os.getpid()
    assert endpoints["kinesis_endpoint"] == "http://127.0.0.1:4567"
    assert endpoints["region"] == "eu-west-1"
    assert endpoints["environment"]["KINESIS_ENDPOINT_URL"] == "http://127.0.0.1:4567"

    remove_endpoints()
    assert read_endpoints() is None


def test_no_file_means_no_stack(state_dir) -> None:
    assert read_endpoints() is None
    remove_endpoints()  # nothing to remove is not an error


def test_a_file_left_by_a_stack_that_died_is_ignored(state_dir) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    path = write_endpoints(stack_like())
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "pid": finished.pid}))

    assert read_endpoints() is None
    remove_endpoints()
    assert path.exists()  # another process's file is not this process's to remove


@pytest.mark.parametrize("text", ["", "{", "[]", '{"version": 1}', '{"pid": "x"}'])
def test_an_unreadable_file_is_ignored(state_dir, text) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "localstack.json").write_text(text)

    assert read_endpoints() is None


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_local_stack_serves_the_other_commands_until_stopped(
    state_dir, recent_window, capsys
) -> None:
    """From MQTT through the IoT rule into Kinesis, then ``seesay ask`` in another process."""
    from seesay.transport.mqtt import MqttTransport

    environment = {**os.environ, "SEESAY_STATE_DIR": str(state_dir)}
    stack = subprocess.Popen(
        [sys.executable, "-m", "seesay.cli", "localstack", "--shards", "2"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        endpoints = wait_for(read_endpoints, START_TIMEOUT_S, "the endpoints file")
        assert endpoints["pid"] == stack.pid
        assert main(["localstack"]) == 1
        assert "already running" in capsys.readouterr().err

        device = MqttTransport.connect(endpoints["mqtt_url"], client_id="porch-pi")
        window = recent_window(device="porch-pi", objects={"cat": (3, 1)})
        device.publish_to_cloud("seesay/porch-pi/windows", json.dumps(window).encode())
        device.flush()
        device.close()

        spoken = wait_for(lambda: _ask("do you see a cat", capsys), 10.0, "the window")
        assert spoken.startswith("Yes, I see a cat")

        stack.send_signal(signal.SIGTERM)
        out, err = stack.communicate(timeout=20)
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait()

    assert stack.returncode == 0, err
    assert "local stack stopped" in out
    assert not (state_dir / "localstack.json").exists()


def _ask(question: str, capsys) -> str:
    main(["ask", question, "--new-session"])
    spoken = capsys.readouterr().out
    return spoken if spoken.startswith("Yes") else ""
