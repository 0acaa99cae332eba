"""The pure handler's side of two money rules: the order check shows the free generations
left *after* this order; while KIE is out of credits (generations paused) Confirm starts
nothing and says "temporarily unavailable"; a confirmation storage could not open is told
with the top-up offer; the admins' diagnostics and alert say generations are paused."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from tests.domain.support import NOW, catalog, context
from tests.domain.test_wizard import at_settings, draft_of
from trt_actors.domain.admin.facts import Diagnostics, DiagnosticsFacts, GenerationsPaused
from trt_actors.domain.admin.screens import credits_alert, diagnostics
from trt_actors.domain.callbacks import encode
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.screens.jobs import FREE_GONE, NO_MONEY, not_started
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import LANGUAGES, text
from trt_actors.domain.turn import Turn

t = text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_order_check_shows_the_free_generations_left_after_this_order(
    language: str,
) -> None:
    chat = at_settings("z-image", language, free_left_today=5, balance_kopecks=0)
    chat.tap(t(language, "btn_continue"))
    assert t(language, "confirm_free", left=4) in chat.text
    chat = at_settings("z-image", language, free_left_today=1, free_bonus_left=2)
    chat.tap(t(language, "btn_continue"))
    assert t(language, "confirm_free", left=2) in chat.text  # 1 today + 2 bonus, less this one


@pytest.mark.parametrize("language", LANGUAGES)
def test_while_paused_confirm_starts_nothing_and_says_temporarily_unavailable(
    language: str,
) -> None:
    chat = at_settings("z-image", language, free_left_today=3, generation_paused=True)
    chat.tap(t(language, "btn_continue"))
    assert t(language, "confirm_paused") in chat.text
    assert not any(d.startswith("v1|ok|") for d in chat.buttons().values())  # no Confirm
    serial = draft_of(chat)["n"]
    outcome = chat.press(encode("ok", serial))  # an older order check's Confirm
    assert outcome.calls[0].params.get("text") == t(language, "note_generation_paused")
    assert chat.effects == []  # nothing held, nothing submitted
    assert t(language, "note_generation_paused") in chat.text

    chat.ctx = replace(chat.ctx, generation_paused=False)  # credits are back
    chat.press(encode("ok", serial))
    [effect] = chat.effects
    assert isinstance(effect, StartGeneration) and effect.free


def turn(language: str, **ctx: object) -> Turn:
    return Turn(catalog(), context(**ctx), language, 1, 1, "Ann")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("why", [FREE_GONE, NO_MONEY])
def test_an_order_storage_could_not_open_is_told_with_the_top_up_offer(
    language: str, why: str
) -> None:
    screen = not_started(turn(language), "z-image", why, 64)
    price = "0,64 ₽" if language == "ru" else "0.64 ₽"
    key = "job_not_started_free_gone" if why == FREE_GONE else "job_not_started_no_money"
    assert screen.text == t(language, key, model="Z-Image", price=price)
    data = [button.data for row in screen.rows for button in row]
    assert data[:2] == [encode("u"), encode("c", "z-image")]  # Top up, the model again


@pytest.mark.parametrize("language", LANGUAGES)
def test_diagnostics_and_the_alert_say_generations_are_paused(language: str) -> None:
    since = NOW - datetime.timedelta(minutes=5)
    paused = GenerationsPaused(since, "Insufficient Credits", 60.0)
    facts = DiagnosticsFacts([], {}, [], paused=paused)
    admin = turn(language, is_admin=True, found={Diagnostics(): facts})
    shown = diagnostics(admin, JourneyState())
    assert "Insufficient Credits" in shown.text
    assert shown.text.startswith(t(language, "adm_generations_paused", since="", reason="",
                                   every=1)[:12])  # fmt: skip
    running = replace(facts, paused=None)
    calm = turn(language, is_admin=True, found={Diagnostics(): running})
    assert diagnostics(calm, JourneyState()).text.startswith(t(language, "adm_generations_running"))
    alert = credits_alert(admin, paused)
    assert "kie.ai" in alert.text and "Insufficient Credits" in alert.text
    assert [button.data for row in alert.rows for button in row] == [encode("ad")]
