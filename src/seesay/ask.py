"""``seesay ask``: a sentence in, the skill's speech out.

The sentence is resolved with the skill's own interaction model
(:mod:`seesay.utterances`), sent to the skill's Lambda handler as the request
envelope Alexa would send (:mod:`seesay.envelopes`), against the stream
:mod:`seesay.stream_target` chooses, and the answer's speech comes back.

When the skill keeps the session open ("Do you want to hear the rest?"), the
conversation is saved in the state folder and the next ``seesay ask``
continues it, as the next thing said to the device would: "what else" and
"yes" then have the earlier answer to go on. The session ends when the skill
ends it, after :data:`SESSION_IDLE_S` without a question, or with
``new_session``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from seesay.envelopes import Conversation
from seesay.invoke import DEFAULT_BUDGET_MS, invoke_handler
from seesay.localstack.endpoints import read_endpoints
from seesay.paths import project_root, state_dir
from seesay.stream_target import NO_TARGET, choose_target
from seesay.timestamps import format_timestamp, parse_timestamp, utc_now
from seesay.utterances import InteractionModel

logger = logging.getLogger(__name__)

# The skill id used when SKILL_ID is not set: requests and skill agree on it.
LOCAL_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
SESSION_FILE = "ask-session.json"
# A saved session older than this is over: Alexa itself closes far sooner.
SESSION_IDLE_S = 300.0


class AskError(ValueError):
    """The question cannot be put: no such locale, nothing said, no stream to read."""


@dataclass(frozen=True)
class Answer:
    """What the skill said, the request it answered and whether it waits for more."""

    speech: str
    request: dict[str, Any]
    response: dict[str, Any]

    @property
    def session_open(self) -> bool:
        """Whether the skill expects the user to say more."""
        return (self.response.get("response") or {}).get("shouldEndSession") is False


def interaction_model_file(locale: str) -> Path:
    """The skill package's interaction model for ``locale`` (e.g. ``en-US``)."""
    folder = project_root() / "cloud" / "skill-package" / "interactionModels" / "custom"
    path = folder / f"{locale}.json"
    if not path.is_file():
        known = ", ".join(sorted(model.stem for model in folder.glob("*.json")))
        raise AskError(f"the skill has no interaction model for {locale} (it has: {known})")
    return path


def speech_of(response: Mapping[str, Any]) -> str:
    """The text Alexa would speak for a response envelope ("" for none)."""
    speech = (response.get("response") or {}).get("outputSpeech") or {}
    return str(speech.get("text") or speech.get("ssml") or "")


def request_for(model: InteractionModel, utterance: str, conversation: Conversation) -> dict:
    """The request envelope Alexa sends for ``utterance`` in ``conversation``."""
    if model.opens_only(utterance):
        return conversation.launch()
    resolution = model.resolve(utterance)
    logger.info("%r resolved to %s %s", utterance, resolution.intent, resolution.slots)
    return conversation.intent(
        resolution.intent,
        resolution.slots,
        slot_types=model.slot_types.get(resolution.intent),
    )


def ask(
    utterance: str,
    *,
    locale: str = "en-US",
    devices: Iterable[str] = (),
    aws: bool = False,
    new_session: bool = False,
    environ: Mapping[str, str] | None = None,
    budget_ms: float = DEFAULT_BUDGET_MS,
) -> Answer:
    """Put ``utterance`` to the skill and return its answer.

    ``devices`` limits the thing names the skill may speak about for this
    question (``SEESAY_DEVICES``); ``aws`` reads the real stream. Raises
    AskError when the question cannot be put, SkillRefused when the skill
    will not answer it.
    """
    if not utterance.strip():
        raise AskError("say something, for example: seesay ask \"what do you see?\"")
    model = InteractionModel.load(interaction_model_file(locale))
    environ = os.environ if environ is None else environ
    target = choose_target(environ, read_endpoints(), aws=aws)
    if target is None:
        raise AskError(NO_TARGET)
    logger.info("asking the skill, reading %s", target.describe())

    skill_id = environ.get("SKILL_ID", "").strip() or LOCAL_SKILL_ID
    environment = {**target.environment, "SKILL_ID": skill_id}
    devices = [device for device in devices if device.strip()]
    if devices:
        environment["SEESAY_DEVICES"] = ",".join(devices)

    session_file = state_dir() / SESSION_FILE
    conversation = None if new_session else load_conversation(session_file, skill_id, locale)
    conversation = conversation or Conversation(skill_id=skill_id, locale=locale)
    request = request_for(model, utterance, conversation)
    response = invoke_handler(request, environment, budget_ms)
    answer = Answer(speech_of(response), request, response)

    if answer.session_open:
        conversation.remember(response)
        save_conversation(session_file, conversation)
    else:
        session_file.unlink(missing_ok=True)
    return answer


def save_conversation(path: Path, conversation: Conversation) -> None:
    """Keep an open session for the next question."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"saved": format_timestamp(utc_now()), "conversation": asdict(conversation)}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def load_conversation(path: Path, skill_id: str, locale: str) -> Conversation | None:
    """The open session saved by the last question, if it is recent and for this skill."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        saved = parse_timestamp(record["saved"])
        conversation = Conversation(**record["conversation"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("starting a new session: %s is unreadable (%s)", path, error)
        return None
    if utc_now() - saved > timedelta(seconds=SESSION_IDLE_S):
        return None
    if (conversation.skill_id, conversation.locale) != (skill_id, locale):
        return None
    return conversation
