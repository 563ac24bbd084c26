"""From stream read to scene to answer: cameras current, stale and offline, several cameras."""

from __future__ import annotations

from datetime import timedelta

import pytest

from seesay.contract import parse_window_summary
from seesay_skill import speech
from seesay_skill.scene import CURRENT, OFFLINE, STALE, build_scene
from seesay_skill.stream_reader import ReadResult


@pytest.fixture
def scene_of(request_time, window):
    def build(*messages, caught_up=True, stale_seconds=120.0):
        result = ReadResult(caught_up=caught_up)
        for message in messages:
            result.add(parse_window_summary(message))
        return build_scene(result, request_time, stale_seconds, 900.0)

    return build


def test_states(scene_of, window, request_time) -> None:
    scene = scene_of(
        window(camera="porch", objects={"dog": (3, 1)}),
        window(camera="garage", end=request_time - timedelta(minutes=5)),
        window(camera="attic", status="offline", frames=0),
    )

    states = {view.camera: view.state for view in scene.views}

    assert states == {"porch": CURRENT, "garage": STALE, "attic": OFFLINE}
    assert [view.name for view in scene.views] == [
        "the attic camera", "the garage camera", "the porch camera"
    ]


def test_several_cameras_answer(scene_of, window, request_time) -> None:
    scene = scene_of(
        window(camera="porch", objects={"dog": (3, 1), "person": (5, 1)}),
        window(camera="hall", objects={"person": (2, 2)}, end=request_time - timedelta(seconds=30)),
        window(camera="garage", end=request_time - timedelta(minutes=5), objects={"car": (9, 1)}),
        window(camera="attic", status="offline", frames=0),
    )

    answer = speech.what_i_see(scene)

    assert answer.text == (
        "I see two people and a dog, as of 30 seconds ago. The attic camera is offline. "
        "I haven't heard from the garage camera for five minutes."
    )
    assert answer.rest == ()


def test_devices_name_their_cameras(scene_of, window) -> None:
    scene = scene_of(
        window(device="porch-pi", objects={"dog": (3, 1)}),
        window(device="barn-pi", camera="loft", status="offline"),
    )

    assert {view.name for view in scene.views} == {"the porch-pi camera", "the barn-pi loft camera"}


def test_many_troubled_cameras_are_summed_up(scene_of, window) -> None:
    scene = scene_of(*(window(camera=f"cam{n}", status="offline") for n in range(6)))

    text = speech.what_i_see(scene).text

    assert text.count("is offline") == speech.CAMERAS_PER_ANSWER
    assert text.endswith("Three more cameras are not reporting.")


def test_one_more_troubled_camera(scene_of, window) -> None:
    scene = scene_of(*(window(camera=f"cam{n}", status="offline") for n in range(4)))

    assert speech.what_i_see(scene).text.endswith("One more camera is not reporting.")


def test_untrusted_labels_and_names_are_cleaned_or_dropped(scene_of, window) -> None:
    hostile = {
        "<speak><audio src='x'/></speak>": (5, 1),
        "???": (5, 1),
        "cup & </speak> saucer": (4, 2),
        "a" * 500: (3, 1),
        "dog": (0, 3),  # counted in no frame: not seen
    }
    scene = scene_of(window(camera="<script>", objects=hostile))

    text = speech.what_i_see(scene).text

    assert [item.label for item in scene.items] == ["cup saucer", "a" * 40]
    assert "<" not in text and "&" not in text and "dog" not in text
    assert len(text) <= speech.MAX_SPEECH_CHARS


def test_hundreds_of_labels_are_paged(scene_of, window) -> None:
    objects = {f"thing{chr(97 + n % 26)}{chr(97 + n // 26)}": (300 - n, 1) for n in range(300)}
    scene = scene_of(window(objects=objects))

    first = speech.what_i_see(scene)
    second = speech.what_else(first.rest)

    assert len(scene.items) == 40
    assert first.text.startswith("I see a thingaa, a thingba, a thingca, a thingda, a thingea")
    assert "and 35 other things" in first.text
    assert len(first.rest) == 35
    assert second.text.startswith("I also see a thingfa,")
    assert len(second.rest) == 30


def test_the_same_label_on_two_cameras_counts_the_larger(scene_of, window) -> None:
    scene = scene_of(
        window(camera="porch", objects={"dog": (3, 1)}),
        window(camera="yard", objects={"dog": (2, 3)}),
    )

    assert speech.how_many(scene, "dog") == "I see three dogs, as of ten seconds ago."


def test_not_caught_up_without_windows(scene_of) -> None:
    scene = scene_of(caught_up=False)

    assert speech.what_i_see(scene).text == (
        "I couldn't check the camera in time. Please ask again in a moment."
    )
    assert speech.last_seen(scene, "cat") == (
        "I couldn't look through everything in time, but I haven't seen a cat "
        "in the last fifteen minutes."
    )


def test_questions_when_the_camera_is_stale(scene_of, window, request_time) -> None:
    scene = scene_of(window(end=request_time - timedelta(minutes=3), objects={"dog": (3, 1)}))

    assert speech.do_you_see(scene, "dog") == "I haven't heard from the camera for three minutes."
    assert speech.how_many(scene, "dog") == "I haven't heard from the camera for three minutes."
    assert speech.last_seen(scene, "dog") == "I last saw a dog three minutes ago."


def test_a_window_from_the_future_counts_as_new(scene_of, window, request_time) -> None:
    scene = scene_of(window(end=request_time + timedelta(seconds=5), objects={"dog": (3, 1)}))

    assert speech.what_i_see(scene).text == "I see a dog, as of a moment ago."
