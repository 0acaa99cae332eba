"""A generation as the user sees it — progress, result, failure, History, /status, and the
presses on them (Again, Change parameters, Cancel, open, send again) — in both languages.
Pure calls: the job the session would look up is put in the Context."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.context import JobView
from trt_actors.domain.effects import (
    MEDIA_FACTS,
    CancelGeneration,
    RedeliverResult,
    StartGeneration,
)
from trt_actors.domain.screens import jobs
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import text
from trt_actors.domain.view import CAPTION_LIMIT, utf16_length

from .support import CHAT, NOW, Chat, audio_update, callback_update, catalog, context

LANGUAGES = ["ru", "en"]
MODEL = "z-image"
PARAMS: dict[str, Any] = {"prompt": "a fox in the snow", "aspect_ratio": "16:9"}


def t(language: str, key: str, **values: object) -> str:
    return text(language, key, **values)


def job(number: int = 7, owner: int = CHAT, state: str = "delivered", **more: Any) -> JobView:
    when = NOW - datetime.timedelta(minutes=number)
    fields: dict[str, Any] = {
        "params": PARAMS,
        "result_urls": ("https://files.example/r.png",),
        **more,
    }
    model_id = fields.pop("model_id", MODEL)
    return JobView(str(number), model_id, state, when, 6400, False, owner, **fields)


def turn(language: str) -> Any:
    return jobs.job_turn(catalog(), catalog().default_tariff(), language, CHAT, NOW)


@pytest.mark.parametrize("language", LANGUAGES)
def test_progress_shows_the_phase_the_time_and_cancel_while_it_can(language: str) -> None:
    queued = jobs.progress(turn(language), 7, MODEL, generating=False, elapsed=5, cancellable=True)
    assert queued.text.startswith(t(language, "job_phase_queued", model="Z-Image", elapsed="0:05"))
    assert [b.data for b in queued.buttons()] == [encode("jc", 7)]
    later = jobs.progress(turn(language), 7, MODEL, generating=True, elapsed=75, cancellable=False)
    assert "1:15" in later.text and "Z-Image" in later.text
    assert later.text != queued.text and later.buttons() == []
    done = jobs.progress_final(turn(language), MODEL, "delivered", 3725)
    assert "1:02:05" in done.text and done.buttons() == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_result_caption_names_the_model_parameters_and_price(language: str) -> None:
    caption = jobs.result_caption(turn(language), MODEL, PARAMS, 6450, free=False)
    assert "Z-Image" in caption and "a fox in the snow" in caption and "16:9" in caption
    assert ("64,50 ₽" if language == "ru" else "64.50 ₽") in caption
    free = jobs.result_caption(turn(language), MODEL, PARAMS, 0, free=True)
    assert t(language, "job_caption_free") in free
    long = jobs.result_caption(turn(language), MODEL, {"prompt": "🦊" * 2000}, 6400, False)
    assert utf16_length(long) <= CAPTION_LIMIT
    labels = [b.data for b in jobs.result_buttons(turn(language), 7)[0]]
    assert labels == [encode("ja", 7), encode("jp", 7)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failure_says_why_in_plain_words_and_offers_a_retry(language: str) -> None:
    shown = jobs.failure(turn(language), 7, MODEL, jobs.TIMEOUT)
    assert t(language, "job_reason_timeout") in shown.text
    assert encode("ja", 7) in [b.data for b in shown.buttons()]
    kie = jobs.failure(turn(language), 7, MODEL, "kie:content policy violation")
    assert "content policy violation" in kie.text
    cancelled = jobs.failure(turn(language), 7, MODEL, jobs.CANCELLED)
    assert cancelled.text == t(language, "job_cancelled", model="Z-Image")


def _on_result(chat: Chat, data: str) -> None:
    """Press `data` on a result: a photo with a caption, as Telegram sends it back."""
    update = callback_update(chat.language, data)
    message = update["callback_query"]["message"]
    del message["text"]
    message.update(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])
    message["caption"] = "Z-Image"
    chat.feed(update)


@pytest.mark.parametrize("language", LANGUAGES)
def test_again_leads_to_the_confirmation_of_the_same_parameters(language: str) -> None:
    chat = Chat(language, ctx=context(requested_job=job(), balance_kopecks=10_000)).started()
    _on_result(chat, encode("ja", 7))
    assert chat.screen.method == "sendMessage"  # a photo's caption is not edited into a menu
    assert t(language, "confirm_title", model="Z-Image") in chat.text
    assert "a fox in the snow" in chat.text
    state = JourneyState.load(chat.state)
    assert state.draft is not None and state.draft.position == "ok"
    assert dict(state.draft.values) == PARAMS
    chat.tap(t(language, "btn_confirm", price="")[:4])  # Confirm: a new, fresh generation
    [effect] = chat.effects
    assert effect.model_id == MODEL and effect.params == PARAMS  # type: ignore[union-attr]


@pytest.mark.parametrize("language", LANGUAGES)
def test_change_parameters_opens_the_settings_prefilled(language: str) -> None:
    chat = Chat(language, ctx=context(requested_job=job())).started()
    _on_result(chat, encode("jp", 7))
    assert chat.text.startswith(t(language, "settings_title", model="Z-Image"))
    assert any("16:9" in label for label in chat.buttons())


def test_again_on_someone_elses_or_an_unknown_job_is_stale() -> None:
    chat = Chat("en", ctx=context(requested_job=job(owner=1))).started()
    chat.press(encode("ja", 7))
    assert t("en", "note_stale") in chat.text and chat.effects == []
    chat = Chat("en").started()
    chat.press(encode("jp", 8))
    assert t("en", "note_stale") in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_cancel_while_running_asks_the_job_to_stop(language: str) -> None:
    chat = Chat(language, ctx=context(requested_job=job(state="submitted"))).started()
    chat.press(encode("jc", 7))
    assert chat.effects == [CancelGeneration(CHAT, 7)]
    assert chat.text == t(language, "job_cancelling")
    assert chat.screen.method == "editMessageText"  # the progress message says so
    late = Chat(language, ctx=context(requested_job=job(state="succeeded"))).started()
    late.press(encode("jc", 7))
    assert late.effects == [] and late.text == t(language, "job_cancel_too_late")


@pytest.mark.parametrize("language", LANGUAGES)
def test_history_lists_generations_newest_first_paged_and_opens_one(language: str) -> None:
    chat = Chat(language).started()
    chat.send("/history")
    assert chat.text == t(language, "job_history_empty")
    recent = tuple(job(n) for n in range(12, 0, -1))
    chat = Chat(language, ctx=context(recent_jobs=recent)).started()
    chat.send("/history")
    opens = [d for d in chat.buttons().values() if d.startswith("v1|jo|")]
    assert opens == [encode("jo", n) for n in range(12, 4, -1)]
    delivered = t(language, "job_word_delivered")
    assert all(delivered in label for label in chat.buttons() if "Z-Image" in label)
    chat.tap(t(language, "btn_next_page"))
    assert [d for d in chat.buttons().values() if d.startswith("v1|jo|")] == [
        encode("jo", n) for n in range(4, 0, -1)
    ]
    chat.ctx = context(recent_jobs=recent, requested_job=job(3))
    chat.press(encode("jo", 3))
    assert "#3" in chat.text or "№3" in chat.text
    assert {encode("jd", 3), encode("ja", 3)} <= set(chat.buttons().values())
    chat.tap(t(language, "job_btn_send_again"))
    assert chat.effects == [RedeliverResult(CHAT, 3)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_status_says_queued_generating_delivered_or_failed(language: str) -> None:
    chat = Chat(language).started()
    chat.send("/status")
    assert chat.text == t(language, "status_usage")
    chat.send("/status 7")
    assert chat.text == t(language, "job_not_found", job="7")
    words = {
        "created": "queued",
        "submitted": "generating",
        "delivered": "delivered",
        "refunded": "failed",
    }
    for state, word in words.items():
        chat.ctx = context(requested_job=job(state=state, error="timeout"))
        chat.send("/status 7")
        assert chat.text.startswith(
            t(language, "job_status_title", job="7", state=t(language, f"job_word_{word}"))
        )
    chat.ctx = context(requested_job=job(owner=1))
    chat.send("/status 7")
    assert chat.text == t(language, "job_not_found", job="7")
    chat.ctx = context(requested_job=job(owner=1), is_admin=True)
    chat.send("/status 7")
    assert "Z-Image" in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_again_prices_media_by_what_was_known_of_the_files(language: str) -> None:
    """A model priced by its input's duration: the job kept the files' facts, so Again
    confirms the same price instead of "cannot price"."""
    chat = Chat(language, ctx=context(balance_kopecks=1_000_000)).started()
    chat.press(encode("go", "elevenlabs-stt"))
    chat.feed(audio_update(language, "voice-1", seconds=90))
    while not any(d.startswith("v1|ok|") for d in chat.buttons().values()):
        chat.tap(t(language, "btn_continue"))
    first_price = chat.text
    chat.tap(t(language, "btn_confirm", price="")[:4])
    [effect] = chat.effects
    assert isinstance(effect, StartGeneration) and effect.media["audio"][0]["s"] == "90"
    params = {**effect.params, MEDIA_FACTS: effect.media}  # as the job stores them
    stored = job(model_id="elevenlabs-stt", params=params)
    chat.ctx = context(balance_kopecks=1_000_000, requested_job=stored)
    _on_result(chat, encode("ja", 7))
    assert any(d.startswith("v1|ok|") for d in chat.buttons().values())
    assert chat.text.split("\n\n")[-1] == first_price.split("\n\n")[-1]  # the same price
