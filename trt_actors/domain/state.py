"""The user's journey state: typed, and read from / written to the session's JSON state.

Reading never raises: a missing or malformed part (an older layout, a hand-edited row) falls
back to its default, so the worst a bad state can do is show the main menu. Keys the journey
does not own (the session's `recent_updates`, …) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from .texts import DEFAULT_LANGUAGE, LANGUAGES

MENU = "m"  # the path of the main menu screen
TRAIL_LIMIT = 40  # Back remembers at most this many steps
PAYLOAD_LIMIT = 64  # Telegram's deep-link payload is at most 64 characters


def _fraction(value: Any) -> Fraction | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        return None


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file the user sent for a media input: its Telegram file id and what pricing needs."""

    file_id: str
    seconds: Fraction | None = None
    megapixels: Fraction | None = None

    def dump(self) -> dict[str, str]:
        out = {"id": self.file_id}
        if self.seconds is not None:
            out["s"] = str(self.seconds)
        if self.megapixels is not None:
            out["mp"] = str(self.megapixels)
        return out

    @classmethod
    def load(cls, raw: Any) -> MediaFile | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            return None
        return cls(raw["id"], _fraction(raw.get("s")), _fraction(raw.get("mp")))


@dataclass(frozen=True, slots=True)
class Draft:
    """A generation being set up in the wizard.

    `serial` numbers the user's drafts (the wizard's buttons carry it, so buttons of an older
    draft are recognised as stale). `position` is where the wizard stands: ``i<k>`` asks
    input k, ``opt`` lists the settings, ``ok`` is the confirmation. `values` holds text,
    enum and number answers (numbers as exact fraction text) and booleans; `media` the files.
    `trail` is the way back; `reviewed` is set once the user has seen the settings list.
    """

    serial: int
    model_id: str
    position: str
    values: Mapping[str, str | bool] = field(default_factory=dict)
    media: Mapping[str, tuple[MediaFile, ...]] = field(default_factory=dict)
    trail: tuple[str, ...] = ()
    reviewed: bool = False

    def moved(self, position: str) -> Draft:
        """At `position`, remembering the current one for Back."""
        trail = (*self.trail, self.position)[-TRAIL_LIMIT:]
        return replace(self, position=position, trail=trail)

    def dump(self) -> dict[str, Any]:
        return {
            "n": self.serial,
            "model": self.model_id,
            "at": self.position,
            "values": dict(self.values),
            "media": {name: [f.dump() for f in files] for name, files in self.media.items()},
            "trail": list(self.trail),
            "reviewed": self.reviewed,
        }

    @classmethod
    def load(cls, raw: Any) -> Draft | None:
        if not isinstance(raw, Mapping):
            return None
        serial, model_id, position = raw.get("n"), raw.get("model"), raw.get("at")
        if not (isinstance(serial, int) and isinstance(model_id, str)):
            return None
        if not isinstance(position, str):
            return None
        values_raw = raw.get("values")
        values = {
            str(k): v
            for k, v in (values_raw.items() if isinstance(values_raw, Mapping) else ())
            if isinstance(v, str | bool)
        }
        media: dict[str, tuple[MediaFile, ...]] = {}
        media_raw = raw.get("media")
        for name, files in media_raw.items() if isinstance(media_raw, Mapping) else ():
            if isinstance(files, list):
                loaded = [MediaFile.load(item) for item in files]
                media[str(name)] = tuple(item for item in loaded if item is not None)
        trail_raw = raw.get("trail")
        trail = (
            tuple(p for p in trail_raw if isinstance(p, str)) if isinstance(trail_raw, list) else ()
        )
        reviewed = raw.get("reviewed") is True
        return cls(serial, model_id, position, values, media, trail, reviewed)


@dataclass(frozen=True, slots=True)
class Started:
    """The last confirmed draft: its serial, the idempotency key sent, and the model."""

    serial: int
    key: str
    model_id: str
    price_kopecks: int
    free: bool

    def dump(self) -> dict[str, Any]:
        return {
            "n": self.serial,
            "key": self.key,
            "model": self.model_id,
            "price": self.price_kopecks,
            "free": self.free,
        }

    @classmethod
    def load(cls, raw: Any) -> Started | None:
        if not isinstance(raw, Mapping):
            return None
        serial, key, model_id = raw.get("n"), raw.get("key"), raw.get("model")
        price, free = raw.get("price"), raw.get("free")
        if not (isinstance(serial, int) and isinstance(key, str) and isinstance(model_id, str)):
            return None
        amount = price if isinstance(price, int) and not isinstance(price, bool) else 0
        return cls(serial, key, model_id, amount, free is True)


@dataclass(frozen=True, slots=True)
class JourneyState:
    """Everything the journey remembers about one user between updates.

    `screen` is the path of the screen the user looks at (the callback codec's form without
    the version, e.g. ``l|text_to_image|1``); `serial` the number of the newest draft.
    `start_payload` is the first deep-link payload the user came with (for referrals).
    """

    language: str = DEFAULT_LANGUAGE
    language_chosen: bool = False
    tutorial_done: bool = False
    start_payload: str | None = None
    screen: str = MENU
    draft: Draft | None = None
    serial: int = 0
    started: Started | None = None
    awaiting: str | None = None  # what the next typed text or file answers (`inputs.INPUTS`)
    as_user: bool = False  # an admin looking at the bot as a user does (panel hidden)
    admin_draft: Mapping[str, Any] | None = None  # a broadcast being composed
    returning: bool = False  # loaded from a saved state: the user has been here before
    stale_shown: bool = False  # the last update was a stale press, answered with the screen

    @classmethod
    def load(cls, state: Mapping[str, Any]) -> JourneyState:
        language = state.get("language")
        payload = state.get("start_payload")
        serial = state.get("serial")
        screen = state.get("screen")
        return cls(
            language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
            language_chosen=state.get("language_chosen") is True,
            tutorial_done=state.get("tutorial_done") is True,
            start_payload=payload if isinstance(payload, str) else None,
            screen=screen if isinstance(screen, str) else MENU,
            draft=Draft.load(state.get("draft")),
            serial=serial if isinstance(serial, int) and not isinstance(serial, bool) else 0,
            started=Started.load(state.get("started")),
            awaiting=awaiting if isinstance(awaiting := state.get("awaiting"), str) else None,
            as_user=state.get("as_user") is True,
            admin_draft=draft if isinstance(draft := state.get("admin_draft"), Mapping) else None,
            returning=bool(state),
            stale_shown=state.get("stale_shown") is True,
        )

    def dump(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """`state` with the journey's keys replaced by this state's."""
        out = dict(state)
        out.update(
            language=self.language,
            language_chosen=self.language_chosen,
            tutorial_done=self.tutorial_done,
            screen=self.screen,
            serial=self.serial,
            as_user=self.as_user,
        )
        for key, value in (
            ("awaiting", self.awaiting),
            ("admin_draft", dict(self.admin_draft) if self.admin_draft else None),
            ("start_payload", self.start_payload),
            ("draft", self.draft.dump() if self.draft else None),
            ("started", self.started.dump() if self.started else None),
            ("stale_shown", True if self.stale_shown else None),
        ):
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out

    def at(self, screen: str) -> JourneyState:
        return replace(self, screen=screen)

    def with_payload(self, payload: str) -> JourneyState:
        """Keep the first deep-link payload only (a referral counts once)."""
        if self.start_payload or not payload:
            return self
        return replace(self, start_payload=payload[:PAYLOAD_LIMIT])
