"""Alexa request envelopes, shaped exactly as Alexa sends them to a skill.

Used by the demo, ``seesay ask`` and the tests to talk to the skill handler
the way the Alexa service does: a session that carries attributes from one
response to the next request, and LaunchRequest, IntentRequest and
SessionEndedRequest bodies with the fields Alexa fills in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from seesay.timestamps import utc_now

ALEXA_API_ENDPOINT = "https://api.amazonalexa.com"


def _id(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4()}"


def _timestamp(moment: datetime) -> str:
    # Alexa stamps requests as ISO-8601 UTC to the second, with a Z.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Conversation:
    """One Alexa session with one skill: builds its requests, keeps its attributes."""

    skill_id: str
    locale: str = "en-US"
    user_id: str = field(default_factory=lambda: _id("amzn1.ask.account"))
    device_id: str = field(default_factory=lambda: _id("amzn1.ask.device"))
    session_id: str = field(default_factory=lambda: _id("amzn1.echo-api.session"))
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True

    def _envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        application = {"applicationId": self.skill_id}
        user = {"userId": self.user_id}
        envelope = {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.session_id,
                "application": application,
                "attributes": dict(self.attributes),
                "user": user,
            },
            "context": {
                "System": {
                    "application": application,
                    "user": user,
                    "device": {
                        "deviceId": self.device_id,
                        "supportedInterfaces": {},
                    },
                    "apiEndpoint": ALEXA_API_ENDPOINT,
                    "apiAccessToken": "local-access-token",
                }
            },
            "request": request,
        }
        self.new = False
        return envelope

    def _request(self, kind: str, when: datetime | None) -> dict[str, Any]:
        moment = when or utc_now()
        return {
            "type": kind,
            "requestId": _id("amzn1.echo-api.request"),
            "timestamp": _timestamp(moment),
            "locale": self.locale,
        }

    def launch(self, when: datetime | None = None) -> dict[str, Any]:
        """"Alexa, open see say"."""
        return self._envelope(self._request("LaunchRequest", when))

    def intent(
        self,
        name: str,
        slots: dict[str, Any] | None = None,
        when: datetime | None = None,
        slot_types: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """An IntentRequest.

        A slot is given as the spoken text, as a resolved value (anything with
        ``spoken``, ``canonical`` and ``value_id``), or as None to send it
        without a value, as Alexa does when the user did not fill it.
        """
        request = self._request("IntentRequest", when)
        intent: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if slots is not None:
            intent["slots"] = {
                slot: self._slot(slot, value, (slot_types or {}).get(slot))
                for slot, value in slots.items()
            }
        request["dialogState"] = "COMPLETED"
        request["intent"] = intent
        return self._envelope(request)

    def _slot(self, name: str, value: Any, slot_type: str | None) -> dict[str, Any]:
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if value is None:
            return slot
        spoken = value if isinstance(value, str) else value.spoken
        slot.update(value=spoken, source="USER")
        if slot_type and not isinstance(value, str):
            authority = f"amzn1.er-authority.echo-sdk.{self.skill_id}.{slot_type}"
            if value.canonical:
                resolution = {
                    "authority": authority,
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value.canonical, "id": value.value_id}}],
                }
            else:
                resolution = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
            slot["resolutions"] = {"resolutionsPerAuthority": [resolution]}
        return slot

    def session_ended(self, reason: str = "USER_INITIATED", when: datetime | None = None):
        """The SessionEndedRequest Alexa sends when the session closes."""
        request = self._request("SessionEndedRequest", when)
        request["reason"] = reason
        return self._envelope(request)

    def remember(self, response: dict[str, Any]) -> None:
        """Carry the response's session attributes into the next request."""
        self.attributes = dict(response.get("sessionAttributes") or {})
