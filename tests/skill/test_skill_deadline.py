"""Answering within Alexa's limit when the stream is slow (S01)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from seesay_skill.deadline import (
    DEFAULT_BUDGET_S,
    MAX_BUDGET_S,
    SAFETY_MARGIN_S,
    Deadline,
    answer_deadline,
)
from seesay_skill.settings import Settings
from seesay_skill.skill import build_skill, invoke


class Remaining:
    def __init__(self, millis) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self):
        if isinstance(self.millis, Exception):
            raise self.millis
        return self.millis


@pytest.mark.parametrize(
    ("context", "budget"),
    [
        (None, DEFAULT_BUDGET_S),
        (object(), DEFAULT_BUDGET_S),
        (Remaining(3000), 3.0 - SAFETY_MARGIN_S),
        (Remaining(60_000), MAX_BUDGET_S),
        (Remaining(1000), 0.0),
        (Remaining("soon"), DEFAULT_BUDGET_S),
        (Remaining(RuntimeError("no")), DEFAULT_BUDGET_S),
    ],
)
def test_answer_deadline_from_the_lambda_context(context, budget, fake_clock) -> None:
    deadline = answer_deadline(context, fake_clock)

    assert deadline.remaining() == pytest.approx(budget)


def test_a_deadline_expires(fake_clock) -> None:
    deadline = Deadline.after(1.0, fake_clock)
    assert not deadline.expired()

    fake_clock.sleep(1.0)

    assert deadline.expired() and deadline.remaining() == 0.0


class SlowKinesis:
    """Every GetRecords takes ``delay`` seconds; only the first page has data."""

    def __init__(self, delay: float, first_records=()) -> None:
        self._delay = delay
        self._first_records = list(first_records)
        self.calls = 0

    def list_shards(self, **request):
        return {"Shards": [{"ShardId": "shardId-000000000000"}]}

    def get_shard_iterator(self, **request):
        return {"ShardIterator": "start"}

    def get_records(self, **request):
        self.calls += 1
        time.sleep(self._delay)
        records = self._first_records if self.calls == 1 else []
        return {"Records": records, "NextShardIterator": "next", "MillisBehindLatest": 120_000}


def ask(skill, envelope, context, give_up_s: float = 10.0) -> tuple[str, float]:
    """Ask what the skill sees; a skill that ignores its deadline fails instead of hanging."""
    answers: list[dict] = []
    started = time.monotonic()
    asking = threading.Thread(
        target=lambda: answers.append(invoke(skill, envelope("what_do_you_see"), context)),
        daemon=True,
    )
    asking.start()
    asking.join(give_up_s)
    assert answers, f"no answer within {give_up_s} s"
    return answers[0]["response"]["outputSpeech"]["text"], time.monotonic() - started


def test_a_slow_stream_with_nothing_yet_is_answered_in_time(
    envelope, lambda_context, skill_id
) -> None:
    client = SlowKinesis(delay=0.2)
    skill = build_skill(Settings(skill_id=skill_id), client)
    context = lambda_context(3000, time.monotonic)  # 1.5 s of reading

    text, elapsed = ask(skill, envelope, context)

    assert elapsed < 2.2
    assert client.calls >= 3
    assert text == "I couldn't check the camera in time. Please ask again in a moment."


def test_a_slow_stream_gives_the_best_answer_so_far(
    envelope, lambda_context, window, skill_id
) -> None:
    data = {"SequenceNumber": "1", "PartitionKey": "kitchen-pi",
            "Data": json.dumps(window(objects={"person": (5, 2)})).encode()}
    skill = build_skill(Settings(skill_id=skill_id), SlowKinesis(0.2, [data]))
    context = lambda_context(2500, time.monotonic)  # 1 s of reading

    text, elapsed = ask(skill, envelope, context)

    assert elapsed < 1.7
    assert text == "I see two people, as of ten seconds ago."
