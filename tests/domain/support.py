"""A pure test driver for the journey: fake updates in, state kept, calls out. No I/O."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from trt_actors.catalog import (
    BooleanInput,
    Catalog,
    EnumInput,
    MediaInput,
    NumberInput,
    TextInput,
    format_exact,
    load_catalog,
)
from trt_actors.domain.callbacks import MAX_BYTES
from trt_actors.domain.context import Context
from trt_actors.domain.draft import input_at
from trt_actors.domain.effects import BotCall, Effect, Outcome
from trt_actors.domain.journey import Journey
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import text as _text
from trt_actors.domain.updates import read
from trt_actors.domain.view import CAPTION_LIMIT, TEXT_LIMIT, utf16_length

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
CHAT = 4242
_ids = itertools.count(1)


@cache
def catalog() -> Catalog:
    return load_catalog()


@cache
def journey() -> Journey:
    return Journey(catalog())


def context(**overrides: Any) -> Context:
    base = Context(now=NOW, tariff=catalog().default_tariff())
    return replace(base, **overrides)


def _sender(language: str, user_id: int = CHAT) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": language}


def message_update(language: str, **content: Any) -> dict[str, Any]:
    message = {
        "message_id": next(_ids),
        "from": _sender(language),
        "chat": {"id": CHAT, "type": "private", "first_name": "Ann"},
        "date": 1_760_000_000,
        **content,
    }
    return {"update_id": next(_ids), "message": message}


def text_update(language: str, text: str) -> dict[str, Any]:
    return message_update(language, text=text)


def photo_update(
    language: str, file_id: str, width: int = 1024, height: int = 1024
) -> dict[str, Any]:
    sizes = [
        {"file_id": f"{file_id}-s", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": file_id, "file_unique_id": "b", "width": width, "height": height},
    ]
    return message_update(language, photo=sizes)


def audio_update(language: str, file_id: str, seconds: int = 10) -> dict[str, Any]:
    body = {"file_id": file_id, "file_unique_id": "a", "duration": seconds}
    return message_update(language, audio=body)


def video_update(language: str, file_id: str, seconds: int = 10) -> dict[str, Any]:
    body = {
        "file_id": file_id,
        "file_unique_id": "v",
        "duration": seconds,
        "width": 640,
        "height": 360,
    }
    return message_update(language, video=body)


def callback_update(language: str, data: str, message_id: int = 77) -> dict[str, Any]:
    query = {
        "id": f"q{next(_ids)}",
        "from": _sender(language),
        "message": {
            "message_id": message_id,
            "chat": {"id": CHAT, "type": "private"},
            "date": 1_760_000_000,
            "text": "…",
        },
        "chat_instance": "1",
        "data": data,
    }
    return {"update_id": next(_ids), "callback_query": query}


def check_limits(calls: list[BotCall]) -> None:
    """Every text, caption and callback_data the calls carry is within Telegram's limits."""
    for call in calls:
        params = call.params
        if "text" in params and call.method != "answerCallbackQuery":
            assert 1 <= utf16_length(params["text"]) <= TEXT_LIMIT, call
        if "caption" in params:
            assert utf16_length(params["caption"]) <= CAPTION_LIMIT, call
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                assert button["text"], call
                if "url" in button:
                    assert button["url"].startswith("https://"), button
                else:
                    assert 1 <= len(button["callback_data"].encode()) <= MAX_BYTES, button


def buttons(call: BotCall) -> dict[str, str]:
    """label → callback data of a call's inline keyboard (a link button: its URL)."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {
        button["text"]: button.get("callback_data") or button["url"]
        for row in rows
        for button in row
    }


@dataclass
class Chat:
    """One user talking to the pure handler; keeps the state like the session does."""

    language: str = "ru"
    ctx: Context = field(default_factory=context)
    state: dict[str, Any] = field(default_factory=dict)
    last: Outcome | None = None
    effects: list[Effect] = field(default_factory=list)

    def feed(self, update: dict[str, Any]) -> Outcome:
        outcome = journey()(self.state, read(update), self.ctx)
        check_limits(outcome.calls)
        self.state = outcome.state
        self.last = outcome
        self.effects.extend(outcome.effects)
        return outcome

    def send(self, text: str) -> Outcome:
        return self.feed(text_update(self.language, text))

    def press(self, data: str) -> Outcome:
        outcome = self.feed(callback_update(self.language, data))
        assert outcome.calls[0].method == "answerCallbackQuery"
        toast = outcome.calls[0].params.get("text")
        # a second stale press in a row gets only its answer: the screen is in the chat
        assert len(outcome.calls) == 2 or toast == _text(self.language, "note_stale_again")
        return outcome

    @property
    def screen(self) -> BotCall:
        assert self.last is not None and self.last.calls
        return self.last.calls[-1]

    @property
    def text(self) -> str:
        return str(self.screen.params["text"])

    def buttons(self) -> dict[str, str]:
        return buttons(self.screen)

    def tap(self, label_part: str) -> Outcome:
        """Press the first button of the last screen whose label contains `label_part`."""
        for label, data in self.buttons().items():
            if label_part in label:
                return self.press(data)
        raise AssertionError(f"no button with {label_part!r} in {list(self.buttons())}")

    def started(self) -> Chat:
        """Past the tutorial, at the main menu."""
        self.send("/start")
        self.press("v1|ts")
        return self


# --- answering the wizard's current step with a valid answer -------------------------------

PROMPT = "A red fox running through a snowy forest at sunrise"


def current_input(chat: Chat) -> Any:
    """The input the wizard now asks (a catalog Input), or None when not at a step."""
    state = JourneyState.load(chat.state)
    if state.screen != "w" or state.draft is None:
        return None
    model = catalog().model(state.draft.model_id)
    found = input_at(model, state.draft.position)
    return None if found is None else found[1]


def valid_text(spec: Any) -> str:
    text = PROMPT if spec.max_length >= len(PROMPT) else "en"[: spec.max_length]
    return text if len(text) >= spec.min_length else "x" * spec.min_length


def media_update(language: str, kind: str, file_id: str) -> dict[str, Any]:
    if kind == "image":
        return photo_update(language, file_id)
    if kind == "audio":
        return audio_update(language, file_id, seconds=10)
    if kind == "video":
        return video_update(language, file_id, seconds=10)
    document = {"file_id": file_id, "file_unique_id": "d", "mime_type": "application/pdf"}
    return message_update(language, document=document)


def answer_step(chat: Chat) -> Outcome:
    """Give the current step a valid answer (typed or pressed); the step must move on."""
    spec = current_input(chat)
    assert spec is not None, chat.text
    if isinstance(spec, TextInput):
        return chat.send(valid_text(spec))
    if isinstance(spec, NumberInput):
        return chat.send(format_exact(spec.default if spec.default is not None else spec.minimum))
    if isinstance(spec, BooleanInput):
        return chat.press(next(d for d in chat.buttons().values() if d.startswith("v1|dn|")))
    if isinstance(spec, EnumInput):
        for label, data in chat.buttons().items():
            if data.startswith("v1|en|") and "🚫" not in label:
                return chat.press(data)
        raise AssertionError("no usable option")
    assert isinstance(spec, MediaInput)
    count = max(spec.min_count, 1)
    outcome = chat.last
    for number in range(count):
        outcome = chat.feed(
            media_update(chat.language, spec.media.value, f"file-{spec.name}-{number}")
        )
    if count < spec.max_count:
        done = next(data for data in chat.buttons().values() if data.startswith("v1|dn|"))
        outcome = chat.press(done)
    assert outcome is not None
    return outcome
