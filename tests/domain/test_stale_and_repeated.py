"""Old buttons pressed long after, and the same button pressed twice: the answer is what is
true now — never "starting" for work that finished, never a second order check."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.context import JobView
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import LANGUAGES, text

from .support import CHAT, NOW, PROMPT, Chat, callback_update, context

MODEL = "z-image"  # free-flagged: the user pays nothing, as in the report


def t(language: str, key: str, **values: object) -> str:
    return text(language, key, **values)


def confirmed(language: str) -> tuple[Chat, str, StartGeneration]:
    """A chat that went through the wizard and pressed Start; the wizard's Cancel data."""
    chat = Chat(language, ctx=context(balance_kopecks=100_000)).started()
    chat.press(encode("go", MODEL))
    cancel = next(data for data in chat.buttons().values() if data.startswith("v1|cx|"))
    chat.send(PROMPT)
    chat.tap(t(language, "btn_continue"))
    start = next(data for data in chat.buttons().values() if data.startswith("v1|ok|"))
    chat.press(start)
    [effect] = chat.effects
    assert isinstance(effect, StartGeneration)
    assert chat.text.startswith("⏳")  # "starting" is said once, right after the press
    return chat, cancel, effect


def finished_job(effect: StartGeneration, state: str = "delivered") -> JobView:
    return JobView(
        job_id="31",
        model_id=effect.model_id,
        state=state,
        created_at=NOW - datetime.timedelta(hours=2),
        price_kopecks=0 if effect.free else effect.price_kopecks,
        free=effect.free,
        owner_id=CHAT,
        params=effect.params,
        result_urls=("https://files.example/r.png",),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_old_cancel_pressed_twice_shows_the_menu_once_and_never_says_starting(
    language: str,
) -> None:
    chat, cancel, _ = confirmed(language)
    later = replace(chat.ctx, now=NOW + datetime.timedelta(hours=3))
    chat.ctx = later

    first = chat.press(cancel)
    assert [call.method for call in first.calls] == ["answerCallbackQuery", "sendMessage"]
    shown = str(first.calls[1].params["text"])
    assert shown.startswith(t(language, "note_stale"))
    assert "⏳" not in shown and t(language, "starting", model="Z-Image", price="")[:8] not in shown
    assert encode("k") in chat.buttons().values() or encode("h", 0) in chat.buttons().values()

    second = chat.press(cancel)  # the menu is already the newest message: only the answer
    assert [call.method for call in second.calls] == ["answerCallbackQuery"]
    assert second.calls[0].params["text"] == t(language, "note_stale_again")
    assert chat.effects[1:] == []


def test_a_state_saved_at_starting_by_an_older_version_shows_the_menu() -> None:
    chat, cancel, _ = confirmed("en")
    chat.state = {**chat.state, "screen": "g"}  # what the bot saved before this change
    chat.press(cancel)
    assert chat.text.startswith(t("en", "note_stale"))
    assert "⏳" not in chat.text and JourneyState.load(chat.state).screen == "m"


@pytest.mark.parametrize("language", LANGUAGES)
def test_start_pressed_again_after_the_job_finished_shows_how_it_went(language: str) -> None:
    chat, _, effect = confirmed(language)
    start = encode("ok", JourneyState.load(chat.state).serial)  # the Start pressed before
    still = chat.press(start)  # the job has not finished: it is still starting
    assert str(still.calls[0].params["text"]) == t(language, "note_already_starting")

    chat.ctx = replace(chat.ctx, found={}, recent_jobs=(finished_job(effect),))
    done = chat.press(start)
    assert done.calls[0].params["text"] == t(language, "note_order_finished")
    assert t(language, "note_already_starting") not in chat.text and "⏳" not in chat.text
    assert chat.text.startswith(t(language, "note_order_finished"))
    assert "#31" in chat.text or "№31" in chat.text
    assert len(chat.effects) == 1  # nothing new ordered


def _on_result(chat: Chat, data: str) -> dict[str, Any]:
    """Press `data` under a result photo (a caption: the screen comes as a new message)."""
    update = callback_update(chat.language, data)
    message = update["callback_query"]["message"]
    del message["text"]
    message.update(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])
    message["caption"] = "Z-Image"
    outcome = chat.feed(update)
    return dict(outcome.calls[-1].params)


@pytest.mark.parametrize("code", ["ja", "jp"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_again_pressed_twice_brings_back_the_same_screen(language: str, code: str) -> None:
    _, _, effect = confirmed(language)
    job = finished_job(effect)
    chat = Chat(language, ctx=context(requested_job=job, balance_kopecks=100_000)).started()
    first = _on_result(chat, encode(code, 31))
    serial = JourneyState.load(chat.state).serial
    second = _on_result(chat, encode(code, 31))
    assert JourneyState.load(chat.state).serial == serial  # no second draft
    assert second["text"] == first["text"]
    assert second["reply_markup"] == first["reply_markup"]  # the same buttons, same serial

    if code == "jp":
        chat.tap(t(language, "btn_continue"))
    start = next(data for data in chat.buttons().values() if data.startswith("v1|ok|"))
    chat.press(start)
    chat.press(start)  # either copy's Start: one order
    assert len(chat.effects) == 1


def test_again_after_a_change_is_a_new_order_check() -> None:
    _, _, effect = confirmed("en")
    chat = Chat("en", ctx=context(requested_job=finished_job(effect))).started()
    _on_result(chat, encode("ja", 31))
    serial = JourneyState.load(chat.state).serial
    chat.tap(t("en", "btn_edit")[:4])  # the user moved on from that screen
    _on_result(chat, encode("ja", 31))
    assert JourneyState.load(chat.state).serial == serial + 1
