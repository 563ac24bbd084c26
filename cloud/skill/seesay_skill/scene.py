"""What the cameras saw, as of the moment of a request.

A :class:`Scene` is the read of the stream seen from one instant ("now", the
request's own timestamp): per camera, how old its newest window is, whether it
is current, stale or offline, and what it saw. Every label and name in a scene
is already clean (see :mod:`seesay_skill.labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from seesay.contract import WindowSummary
from seesay.timestamps import utc_now
from seesay_skill.deadline import Deadline
from seesay_skill.labels import clean_label, clean_name
from seesay_skill.stream_reader import ReadResult, StreamReader, StreamUnavailable

CURRENT = "current"
STALE = "stale"
OFFLINE = "offline"

# A scene keeps at most this many labels; the rest could never be spoken anyway.
MAX_ITEMS = 40


@dataclass(frozen=True)
class Item:
    """One label in a scene: ``count`` is how many at once, ``frames`` in how many frames."""

    label: str
    count: int
    frames: int = 1


@dataclass(frozen=True)
class CameraView:
    """One camera's newest window, seen from the scene's instant."""

    device: str
    camera: str
    name: str
    age_seconds: float
    state: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Scene:
    """Every camera's view, the age of every label seen, and whether the read was complete.

    ``now`` is aware UTC; ``lookback_seconds`` is how far back the stream was read.
    """

    now: datetime
    views: tuple[CameraView, ...]
    label_ages: dict[str, float]
    lookback_seconds: float
    complete: bool

    @property
    def current(self) -> tuple[CameraView, ...]:
        """The cameras that are online and have reported recently."""
        return tuple(view for view in self.views if view.state == CURRENT)

    @property
    def items(self) -> tuple[Item, ...]:
        """What the current cameras see, one item per label, most often seen first.

        Limitation: the same label on two cameras counts as the larger of the
        two counts, not their sum; the skill cannot tell whether two cameras
        see the same dog.
        """
        return _merge(item for view in self.current for item in view.items)

    @property
    def age_seconds(self) -> float:
        """How old the oldest current view is: what "as of" can truthfully claim."""
        return max((view.age_seconds for view in self.current), default=0.0)

    def find(self, label: str) -> Item | None:
        """The current item for ``label``, if a current camera sees it."""
        return next((item for item in self.items if item.label == label), None)


class SceneSource:
    """Reads the stream and shows it as a scene.

    ``clock`` is the wall clock (aware UTC); the look-back starts from the
    earlier of it and the request's instant, so a replayed request still
    reaches back over the windows that were current when it was made.
    """

    def __init__(
        self,
        reader: StreamReader,
        lookback_seconds: float,
        stale_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._reader = reader
        self._lookback_seconds = lookback_seconds
        self._stale_seconds = stale_seconds
        self._clock = clock

    def look(self, now: datetime, deadline: Deadline) -> Scene:
        """The scene as of ``now`` (aware UTC), reading until ``deadline`` at the latest.

        The newest windows are read first: what the cameras see now must not
        wait behind minutes of older records, which only tell when a label was
        last seen and which cameras have gone quiet. If the deadline stops the
        second, older read, the first read's findings still stand, and a
        camera known only from the part of the older read that was reached
        is said to be quiet for at least ``stale_seconds``, not for longer
        than is known.
        """
        reference = min(now, self._clock())
        recent_since = reference - timedelta(seconds=self._stale_seconds)
        recent = self._reader.read(recent_since, deadline)
        result, uncertain = recent, frozenset()
        if recent.caught_up and not deadline.expired():
            try:
                history = self._reader.read(
                    reference - timedelta(seconds=self._lookback_seconds), deadline,
                    until=recent_since,
                )
            except StreamUnavailable:
                history = None
            if history is not None:
                if not history.caught_up:
                    uncertain = frozenset(set(history.latest) - set(recent.latest))
                result.merge(history)
                result.caught_up = True  # the part that decides what is seen now is complete
        scene = build_scene(result, now, self._stale_seconds, self._lookback_seconds)
        if not uncertain:
            return scene
        views = tuple(
            replace(view, age_seconds=min(view.age_seconds, self._stale_seconds + 1))
            if (view.device, view.camera) in uncertain else view
            for view in scene.views
        )
        return replace(scene, views=views)


def build_scene(
    result: ReadResult, now: datetime, stale_seconds: float, lookback_seconds: float
) -> Scene:
    """The scene a stream read shows as of ``now`` (aware UTC)."""
    if now.tzinfo is None:
        raise ValueError("'now' must be timezone-aware")
    windows = sorted(result.latest.values(), key=lambda window: (window.device, window.camera))
    single_device = len({window.device for window in windows}) <= 1
    views = tuple(
        _view(window, now, stale_seconds, len(windows) == 1, single_device)
        for window in windows
    )
    label_ages: dict[str, float] = {}
    for raw_label, seen_at in result.label_last_seen.items():
        label = clean_label(raw_label)
        if label is not None:
            age = _age(now, seen_at)
            label_ages[label] = min(age, label_ages.get(label, age))
    return Scene(now, views, label_ages, lookback_seconds, result.caught_up)


def _view(
    window: WindowSummary, now: datetime, stale_seconds: float, only: bool, single_device: bool
) -> CameraView:
    age = _age(now, window.window_end)
    items = _merge(
        Item(label, max(1, summary.max_instances), summary.frame_count)
        for summary in window.objects
        if summary.frame_count > 0 and (label := clean_label(summary.name)) is not None
    )
    no_pictures = window.frames == 0 and not window.objects
    if window.camera_status.strip().lower() != "online" or no_pictures:
        state = OFFLINE
    elif age > stale_seconds:
        state = STALE
    else:
        state = CURRENT
    return CameraView(
        device=window.device,
        camera=window.camera,
        name=_spoken_name(window, only, single_device),
        age_seconds=age,
        state=state,
        items=items,
    )


def _spoken_name(window: WindowSummary, only: bool, single_device: bool) -> str:
    """"the camera" alone; otherwise "the <camera> camera", naming the device if needed."""
    if only:
        return "the camera"
    camera = clean_name(window.camera) or "unnamed"
    device = clean_name(window.device) or "unnamed"
    if single_device:
        name = camera
    elif camera == "default":
        name = device
    else:
        name = f"{device} {camera}"
    return f"the {name} camera"


def _merge(items: Iterable[Item]) -> tuple[Item, ...]:
    merged: dict[str, Item] = {}
    for item in items:
        known = merged.get(item.label)
        if known is None:
            merged[item.label] = item
        else:
            merged[item.label] = Item(
                item.label, max(item.count, known.count), max(item.frames, known.frames)
            )
    ordered = sorted(merged.values(), key=lambda item: (-item.frames, item.label))
    return tuple(ordered[:MAX_ITEMS])


def _age(now: datetime, then: datetime) -> float:
    """Seconds from ``then`` to ``now``; a window stamped slightly ahead counts as new."""
    return max(0.0, (now - then) / timedelta(seconds=1))
