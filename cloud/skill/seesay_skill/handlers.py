"""One handler per request type or intent, and the one exception handler.

Handlers that need the cameras ask a :class:`~seesay_skill.scene.SceneSource`
for the scene as of the request's instant, within the request's deadline
(both set by :mod:`seesay_skill.interceptors`). Every answer is plain text.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.ui import PlainTextOutputSpeech, Reprompt

from seesay_skill import speech
from seesay_skill.interceptors import request_deadline, request_name, request_now
from seesay_skill.labels import clean_label, resolve_label
from seesay_skill.scene import MAX_ITEMS, Item, Scene, SceneSource
from seesay_skill.stream_reader import StreamUnavailable

logger = logging.getLogger(__name__)

OBJECT_SLOT = "object"
REST_ATTRIBUTE = "rest"


def say(handler_input: HandlerInput, text: str, reprompt: str | None = None) -> Response:
    """A plain-text response; with a reprompt the session stays open, without it ends."""
    response = handler_input.response_builder.response
    response.output_speech = PlainTextOutputSpeech(text=speech.safe_text(text))
    if reprompt is not None:
        response.reprompt = Reprompt(
            output_speech=PlainTextOutputSpeech(text=speech.safe_text(reprompt))
        )
    response.should_end_session = reprompt is None
    return response


def look(handler_input: HandlerInput, source: SceneSource) -> Scene:
    """The scene as of the request's instant, read within the request's deadline."""
    return source.look(request_now(handler_input), request_deadline(handler_input))


def keep_rest(handler_input: HandlerInput, rest: tuple[Item, ...]) -> None:
    """Remember the items not yet spoken, for "what else"."""
    session = handler_input.attributes_manager.session_attributes
    session[REST_ATTRIBUTE] = [[item.label, item.count, item.frames] for item in rest]


def take_rest(handler_input: HandlerInput) -> tuple[Item, ...] | None:
    """The items left from an earlier answer; None when nothing was asked yet.

    Session attributes come back with the request, so they are checked like any input.
    """
    stored = handler_input.attributes_manager.session_attributes.get(REST_ATTRIBUTE)
    if not isinstance(stored, list):
        return None
    rest = []
    for entry in stored[:MAX_ITEMS]:
        if not (isinstance(entry, list) and len(entry) == 3):
            continue
        label, count, frames = clean_label(entry[0]), entry[1], entry[2]
        if label is None or not (_is_count(count) and _is_count(frames)):
            continue
        rest.append(Item(label, max(1, count), frames))
    return tuple(rest)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def object_slot_value(handler_input: HandlerInput) -> str | None:
    """What was said for the ``object`` slot; None when the slot is absent or empty.

    The label Alexa resolved the value to when it matched one, else the raw value.
    """
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    slot = (request.intent.slots or {}).get(OBJECT_SLOT)
    if slot is None:
        return None
    resolutions = slot.resolutions.resolutions_per_authority if slot.resolutions else None
    for authority in resolutions or []:
        code = getattr(getattr(authority.status, "code", None), "value", None)
        if code == "ER_SUCCESS_MATCH" and authority.values:
            return authority.values[0].value.name
    value = slot.value
    return value if isinstance(value, str) and value.strip() else None


class LaunchRequestHandler(AbstractRequestHandler):
    """"Alexa, open see say": a welcome and a prompt."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, speech.WELCOME, speech.WELCOME_REPROMPT)


class WhatDoYouSeeHandler(AbstractRequestHandler):
    """"What do you see?": the current items, freshness and any camera trouble.

    Also answers the old design's intent name, ``WhatDoYouSee``.
    """

    def __init__(self, source: SceneSource) -> None:
        self._source = source

    _intents = ("WhatDoYouSeeIntent", "WhatDoYouSee")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self._intents)

    def handle(self, handler_input: HandlerInput) -> Response:
        answer = speech.what_i_see(look(handler_input, self._source))
        keep_rest(handler_input, answer.rest)
        if answer.rest:
            return say(handler_input, answer.text, speech.MORE_REPROMPT)
        return say(handler_input, answer.text)


class WhatElseHandler(AbstractRequestHandler):
    """"What else?" (or "yes" to hearing the rest): the next page of items."""

    _intents = ("WhatElseIntent", "AMAZON.YesIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self._intents)

    def handle(self, handler_input: HandlerInput) -> Response:
        rest = take_rest(handler_input)
        if rest is None:
            return say(handler_input, speech.NOTHING_ASKED, speech.FALLBACK_REPROMPT)
        answer = speech.what_else(rest)
        keep_rest(handler_input, answer.rest)
        if answer.rest:
            return say(handler_input, answer.text, speech.MORE_REPROMPT)
        return say(handler_input, answer.text)


class ObjectQuestionHandler(AbstractRequestHandler):
    """A question about one object, named by the ``object`` slot.

    Subclasses name the intent, the answer and what to ask when the slot is empty.
    """

    intent_name = ""
    example = "do you see a dog?"

    def __init__(self, source: SceneSource) -> None:
        self._source = source

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name(self.intent_name)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        spoken = object_slot_value(handler_input)
        cleaned = clean_label(spoken)
        if spoken is None or cleaned is None:
            return say(
                handler_input,
                f"Which thing? For example, ask: {self.example}",
                speech.WHICH_OBJECT_REPROMPT,
            )
        scene = look(handler_input, self._source)
        known = [item.label for item in scene.items] + list(scene.label_ages)
        label = resolve_label(spoken, known) or cleaned
        return say(handler_input, self.answer(scene, label))

    def answer(self, scene: Scene, label: str) -> str:
        """The spoken answer about ``label`` in ``scene``."""
        raise NotImplementedError


class DoYouSeeHandler(ObjectQuestionHandler):
    """"Do you see a dog?"."""

    intent_name = "DoYouSeeIntent"
    example = "do you see a dog?"

    def answer(self, scene: Scene, label: str) -> str:
        return speech.do_you_see(scene, label)


class HowManyHandler(ObjectQuestionHandler):
    """"How many people do you see?"."""

    intent_name = "HowManyIntent"
    example = "how many people do you see?"

    def answer(self, scene: Scene, label: str) -> str:
        return speech.how_many(scene, label)


class LastSeenHandler(ObjectQuestionHandler):
    """"When did you last see a cat?"."""

    intent_name = "LastSeenIntent"
    example = "when did you last see a cat?"

    def answer(self, scene: Scene, label: str) -> str:
        return speech.last_seen(scene, label)


class HelpHandler(AbstractRequestHandler):
    """AMAZON.HelpIntent: what the skill can do."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, speech.HELP, speech.HELP_REPROMPT)


class StopHandler(AbstractRequestHandler):
    """AMAZON.StopIntent, AMAZON.CancelIntent, and "no" to hearing the rest: goodbye."""

    _intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self._intents)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, speech.GOODBYE)


class NavigateHomeHandler(AbstractRequestHandler):
    """AMAZON.NavigateHomeIntent: the user is leaving for the home screen."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.NavigateHomeIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, speech.GOODBYE)


class FallbackHandler(AbstractRequestHandler):
    """AMAZON.FallbackIntent: something the interaction model does not cover."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.FallbackIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, speech.FALLBACK, speech.FALLBACK_REPROMPT)


class SessionEndedHandler(AbstractRequestHandler):
    """SessionEndedRequest: log why; Alexa accepts no speech in the reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        error = getattr(request, "error", None)
        if error is not None:
            logger.warning("session ended: %s, error %s", reason, getattr(error, "message", error))
        else:
            logger.info("session ended: %s", reason)
        return handler_input.response_builder.response


class UnhandledRequestHandler(AbstractRequestHandler):
    """Any request no other handler took: an unknown intent, an unexpected request type."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        logger.info("no handler for %s", request_name(handler_input))
        return say(handler_input, speech.FALLBACK, speech.FALLBACK_REPROMPT)


class ErrorHandler(AbstractExceptionHandler):
    """The one exception handler: log it once, apologise, end the session."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        if isinstance(exception, StreamUnavailable):
            logger.error("answering %s: %s", request_name(handler_input), exception)
            return say(handler_input, speech.STREAM_UNAVAILABLE)
        logger.exception("answering %s failed", request_name(handler_input))
        return say(handler_input, speech.SOMETHING_WRONG)


def request_handlers(source: SceneSource) -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried; the catch-all is last."""
    return [
        LaunchRequestHandler(),
        WhatDoYouSeeHandler(source),
        WhatElseHandler(),
        DoYouSeeHandler(source),
        HowManyHandler(source),
        LastSeenHandler(source),
        HelpHandler(),
        StopHandler(),
        NavigateHomeHandler(),
        FallbackHandler(),
        SessionEndedHandler(),
        UnhandledRequestHandler(),
    ]

