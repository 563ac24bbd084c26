"""The Greengrass IPC transport, with the IPC client replaced at its boundary.

There is no nucleus here, so a recorder stands in for awsiotsdk's
GreengrassCoreIPCClientV2; the request and message types are the SDK's own.
"""

from __future__ import annotations

import pytest
from awsiot.greengrasscoreipc.model import (
    QOS,
    BinaryMessage,
    JsonMessage,
    SubscriptionResponseMessage,
    UnauthorizedError,
)

from seesay.transport.base import TransportError
from seesay.transport.ipc import IpcTransport


class RecordingIpcClient:
    def __init__(self, refuse: bool = False):
        self.calls: list[tuple[str, dict]] = []
        self.refuse = refuse
        self.stream_handlers = {}

    def _call(self, name, **kwargs):
        if self.refuse:
            raise UnauthorizedError(message="not authorized by accessControl")
        self.calls.append((name, kwargs))

    def publish_to_topic(self, **kwargs):
        self._call("publish_to_topic", **kwargs)

    def publish_to_iot_core(self, **kwargs):
        self._call("publish_to_iot_core", **kwargs)

    def subscribe_to_topic(self, **kwargs):
        self._call("subscribe_to_topic", **kwargs)
        self.stream_handlers[kwargs["topic"]] = kwargs["on_stream_event"]
        return None, None

    def close(self):
        self.calls.append(("close", {}))


def test_local_publish_sends_a_binary_message():
    client = RecordingIpcClient()
    IpcTransport(client).publish("seesay/detections", b'{"a": 1}')
    (name, kwargs), = client.calls
    assert name == "publish_to_topic" and kwargs["topic"] == "seesay/detections"
    assert kwargs["publish_message"].binary_message.message == b'{"a": 1}'


def test_cloud_publish_is_qos_1():
    client = RecordingIpcClient()
    IpcTransport(client).publish_to_cloud("seesay/thing/windows", b"{}")
    (name, kwargs), = client.calls
    assert name == "publish_to_iot_core"
    assert kwargs["qos"] == QOS.AT_LEAST_ONCE and kwargs["topic_name"] == "seesay/thing/windows"


def test_subscription_delivers_binary_and_json_messages_as_bytes():
    client = RecordingIpcClient()
    received = []
    IpcTransport(client).subscribe("seesay/detections", lambda t, p: received.append((t, p)))
    deliver = client.stream_handlers["seesay/detections"]
    deliver(SubscriptionResponseMessage(binary_message=BinaryMessage(message=b"raw")))
    deliver(SubscriptionResponseMessage(json_message=JsonMessage(message={"k": 1})))
    assert received == [("seesay/detections", b"raw"), ("seesay/detections", b'{"k": 1}')]


@pytest.mark.parametrize("operation", ["publish", "publish_to_cloud", "subscribe"])
def test_g01_an_unauthorised_operation_is_a_transport_error_naming_the_topic(operation):
    transport = IpcTransport(RecordingIpcClient(refuse=True))
    arguments = {"subscribe": (lambda t, p: None,)}.get(operation, (b"{}",))
    with pytest.raises(TransportError, match="seesay/x"):
        getattr(transport, operation)("seesay/x", *arguments)
