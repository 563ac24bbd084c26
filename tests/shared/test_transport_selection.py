"""Choosing the transport at start-up (G02) and MQTT against a real broker."""

from __future__ import annotations

import threading

import pytest

from seesay.localstack.broker import EmbeddedBroker
from seesay.transport import TransportError, select_transport
from seesay.transport.mqtt import MqttTransport


@pytest.fixture(scope="module")
def broker():
    running = EmbeddedBroker().start()
    yield running
    running.stop()


def test_outside_the_nucleus_mqtt_is_chosen_and_logged(broker, caplog):
    caplog.set_level("INFO")
    transport = select_transport("t1", environ={"SEESAY_MQTT_URL": broker.url})
    try:
        assert transport.name == "mqtt"
        assert "transport: MQTT" in caplog.text
        assert "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT" in caplog.text
    finally:
        transport.close()


def test_importing_the_components_needs_no_nucleus():
    import seesay_aggregator.component  # noqa: F401
    import seesay_detector.component  # noqa: F401

    import os

    assert "SVCUID" not in os.environ


def test_inside_the_nucleus_ipc_is_chosen(monkeypatch):
    """With the socket variables set, IPC is tried (and fails clearly: no nucleus here)."""
    environ = {
        "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT": "/nonexistent/ipc.socket",
        "SVCUID": "test",
    }
    monkeypatch.setenv("AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT", environ[
        "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT"])
    monkeypatch.setenv("SVCUID", "test")
    with pytest.raises(TransportError, match="nucleus"):
        select_transport("t2", environ=environ)


def test_an_unknown_forced_transport_is_refused():
    with pytest.raises(TransportError, match="SEESAY_TRANSPORT"):
        select_transport("t3", environ={"SEESAY_TRANSPORT": "carrier-pigeon"})


def test_an_unreachable_broker_is_a_clear_error():
    from seesay.localstack.broker import free_port

    with pytest.raises(TransportError, match="cannot reach"):
        MqttTransport.connect(f"mqtt://127.0.0.1:{free_port()}", client_id="nobody")


def test_mqtt_publish_and_subscribe_round_trip(broker):
    received: list[tuple[str, bytes]] = []
    done = threading.Event()

    def handler(topic, payload):
        received.append((topic, payload))
        if len(received) == 50:
            done.set()

    with MqttTransport.connect(broker.url, "sub") as subscriber, \
            MqttTransport.connect(broker.url, "pub") as publisher:
        subscriber.subscribe("seesay/+/windows", handler)
        for index in range(50):
            publisher.publish_to_cloud("seesay/thing-1/windows", f"{index}".encode())
        assert publisher.flush()
        assert done.wait(10)
    assert [payload for _, payload in received] == [f"{i}".encode() for i in range(50)]


def test_a_failing_handler_does_not_stop_delivery(broker):
    received = []
    done = threading.Event()

    def handler(topic, payload):
        if payload == b"boom":
            raise RuntimeError("handler bug")
        received.append(payload)
        done.set()

    with MqttTransport.connect(broker.url, "sub2") as subscriber, \
            MqttTransport.connect(broker.url, "pub2") as publisher:
        subscriber.subscribe("t/x", handler)
        publisher.publish("t/x", b"boom")
        publisher.publish("t/x", b"fine")
        assert done.wait(10)
    assert received == [b"fine"]
