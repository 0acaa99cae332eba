"""For every visible model, in both languages: the wizard generated from its inputs completes
with valid answers, the confirmation shows the catalog's price, and Confirm starts exactly
that; wrong answers are asked again with a precise hint."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from trt_actors.catalog import (
    EnumInput,
    Media,
    MediaInput,
    MediaKind,
    Model,
    NumberInput,
    Price,
    TextInput,
)
from trt_actors.domain.callbacks import encode
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.money import money
from trt_actors.domain.state import JourneyState

from .support import Chat, answer_step, catalog, context, media_update, valid_text

MODELS = [model.id for model in catalog().models()]
RICH = {"balance_kopecks": 10_000_000, "free_left_today": 0}


def position(chat: Chat) -> str:
    state = JourneyState.load(chat.state)
    assert state.draft is not None, chat.text
    return state.draft.position


def expected_params(model: Model) -> dict[str, Any]:
    """What the driver answers, described independently of the bot's own conversion."""
    params: dict[str, Any] = {}
    for spec in model.inputs:
        if not spec.asks_user:
            continue
        if isinstance(spec, TextInput):
            params[spec.name] = valid_text(spec)
        elif isinstance(spec, MediaInput):
            seconds = 10 if spec.media in (MediaKind.AUDIO, MediaKind.VIDEO) else None
            pixels = Fraction(1024 * 1024, 1_000_000) if spec.media is MediaKind.IMAGE else None
            one = Media(duration_seconds=seconds, megapixels=pixels)
            params[spec.name] = (one,) * max(spec.min_count, 1)
        elif isinstance(spec, EnumInput):
            params[spec.name] = spec.options[0].value
        elif isinstance(spec, NumberInput):
            params[spec.name] = spec.default if spec.default is not None else spec.minimum
    return params


def run_to_confirmation(chat: Chat, model_id: str) -> None:
    chat.started()
    chat.press(encode("c", model_id))
    chat.press(encode("go", model_id))
    for _ in range(30):
        at = position(chat)
        if at == "ok":
            return
        if at == "opt":
            chat.press(next(d for d in chat.buttons().values() if d.startswith("v1|nx|")))
        else:
            answer_step(chat)
    raise AssertionError(f"the wizard of {model_id} did not reach the confirmation")


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("model_id", MODELS)
def test_the_wizard_completes_and_confirms_at_the_catalog_price(
    model_id: str, language: str
) -> None:
    model = catalog().model(model_id)
    tariff = catalog().default_tariff()
    quoted = model.price(expected_params(model), tariff.rub_per_usd, tariff.markup)
    assert isinstance(quoted, Price), quoted
    chat = Chat(language, ctx=context(**RICH))
    run_to_confirmation(chat, model_id)
    price_line = "Цена: " if language == "ru" else "Price: "
    assert price_line + money(quoted.kopecks, language) in chat.text
    after = money(RICH["balance_kopecks"] - quoted.kopecks, language)
    assert after in chat.text
    confirm = next(d for d in chat.buttons().values() if d.startswith("v1|ok|"))
    chat.press(confirm)
    assert len(chat.effects) == 1
    effect = chat.effects[0]
    assert isinstance(effect, StartGeneration)
    assert (effect.model_id, effect.price_kopecks, effect.free) == (model_id, quoted.kopecks, False)
    for spec in model.inputs:
        if spec.asks_user and isinstance(spec, MediaInput):
            files = effect.params[spec.name]
            assert isinstance(files, list) and all(f.startswith("file-") for f in files)
        elif spec.asks_user:
            assert spec.name in effect.params
    assert model.validate({k: v for k, v in expected_params(model).items()}) == []


def _first_step(chat: Chat, model_id: str) -> None:
    chat.started()
    chat.press(encode("go", model_id))


def _wrong_media(kind: MediaKind) -> str:
    return "audio" if kind is MediaKind.IMAGE else "image"


@pytest.mark.parametrize("model_id", MODELS)
def test_a_wrong_first_answer_is_asked_again_with_a_hint(model_id: str) -> None:
    model = catalog().model(model_id)
    chat = Chat("en", ctx=context(**RICH))
    _first_step(chat, model_id)
    before = position(chat)
    index = int(before[1:])
    spec = model.inputs[index]
    step_text = chat.text
    if isinstance(spec, TextInput):
        chat.send("x" * (spec.max_length + 1))
        assert f"at most {spec.max_length} characters (now {spec.max_length + 1})" in chat.text
        chat.send("/start")  # leave and come back: an empty answer is refused too
        chat.press(encode("go", model_id))
        chat.feed(media_update("en", "image", "stray-photo"))
        assert "This step needs a text answer" in chat.text
    else:
        assert isinstance(spec, MediaInput)
        if spec.media is not MediaKind.FILE:
            chat.feed(media_update("en", _wrong_media(spec.media), "wrong-kind"))
            assert "This step needs" in chat.text
        chat.send("some words instead of a file")
        assert "This step needs" in chat.text
    assert position(chat) == before
    assert step_text.split("\n")[0] in chat.text  # the same step, asked again
    assert chat.screen.method == "sendMessage"
