"""How components talk: Greengrass IPC on a device, MQTT on a laptop.

Both implement :class:`~seesay.transport.base.Transport`. ``select_transport``
picks one at start-up from the environment and logs which, so importing a
component never needs a nucleus (the IPC socket variables exist only inside
one).
"""

from __future__ import annotations

import logging
import os

from seesay.transport.base import Transport, TransportError

logger = logging.getLogger(__name__)

IPC_SOCKET_VARIABLE = "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT"
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"

__all__ = ["Transport", "TransportError", "select_transport", "DEFAULT_MQTT_URL"]


def select_transport(client_id: str, environ: dict[str, str] | None = None) -> Transport:
    """Choose and connect the transport this process should use.

    ``SEESAY_TRANSPORT`` (``ipc`` or ``mqtt``) forces a choice. Otherwise a
    process started by the Greengrass nucleus (it has the IPC socket variable
    and ``SVCUID``) uses IPC, and anything else uses MQTT at
    ``SEESAY_MQTT_URL`` (default the local stack's broker).
    """
    environ = dict(os.environ if environ is None else environ)
    forced = environ.get("SEESAY_TRANSPORT", "").strip().lower()
    in_nucleus = bool(environ.get(IPC_SOCKET_VARIABLE) and environ.get("SVCUID"))
    if forced not in ("", "ipc", "mqtt"):
        raise TransportError(f"SEESAY_TRANSPORT must be 'ipc' or 'mqtt', not {forced!r}")

    if forced == "ipc" or (not forced and in_nucleus):
        from seesay.transport.ipc import IpcTransport

        reason = "forced by SEESAY_TRANSPORT" if forced else "running under the nucleus"
        logger.info("transport: Greengrass IPC (%s)", reason)
        return IpcTransport.connect()

    from seesay.transport.mqtt import MqttTransport

    url = environ.get("SEESAY_MQTT_URL", DEFAULT_MQTT_URL)
    reason = "forced by SEESAY_TRANSPORT" if forced else f"no {IPC_SOCKET_VARIABLE}"
    logger.info("transport: MQTT at %s (%s)", url, reason)
    return MqttTransport.connect(url, client_id=client_id)
