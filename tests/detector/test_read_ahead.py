"""Reading files ahead of detection: same frames, same order, errors and early stops handled."""

from __future__ import annotations

import itertools
import threading

import pytest

from seesay_detector.prefetch import read_ahead


def test_items_arrive_complete_and_in_order():
    assert list(read_ahead(range(100), depth=3)) == list(range(100))


def test_an_error_in_the_reader_reaches_the_consumer_after_the_good_items():
    def items():
        yield "first"
        raise OSError("disk gone")

    ahead = read_ahead(items())
    assert next(ahead) == "first"
    with pytest.raises(OSError, match="disk gone"):
        next(ahead)


def test_the_reader_stays_at_most_depth_ahead_and_stops_when_closed():
    produced = []

    def items():
        for number in itertools.count():
            produced.append(number)
            yield number

    ahead = read_ahead(items(), depth=2)
    assert next(ahead) == 0
    threading.Event().wait(0.2)
    assert len(produced) <= 4  # the one taken, two waiting, one being handed over
    ahead.close()
    assert not any(thread.name == "frame-reader" and thread.is_alive()
                   for thread in threading.enumerate())
