"""Free models up front: a 🎁 Free entry in the main menu lists the models today's free
generations cover, with the uses left and when the day's quota comes back; lists and cards
mark them."""

from __future__ import annotations

import datetime

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import LANGUAGES
from trt_actors.domain.texts import text as t

from .support import Chat, catalog, context

MOSCOW_EVENING = datetime.datetime(2026, 12, 6, 17, 30, tzinfo=datetime.UTC)  # 20:30 MSK


def free_model_ids() -> set[str]:
    return {m.id for m in catalog().models() if any(sku.free for sku in m.pricing.skus)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_free_entry_lists_the_free_models_with_uses_left_and_the_reset(language: str) -> None:
    settings = TenantSettings(timezone="Europe/Moscow")
    ctx = context(now=MOSCOW_EVENING, free_left_today=3, free_per_day=5, settings=settings)
    chat = Chat(language, ctx=ctx).started()
    chat.send("/menu")
    chat.tap(t(language, "menu_free"))
    assert t(language, "free_left", left=3, per_day=5) in chat.text
    assert t(language, "free_renews", at="00:00", zone="Europe/Moscow") in chat.text
    cards = {data.split("|")[-1] for data in chat.buttons().values() if data.startswith("v1|c|")}
    assert cards == free_model_ids() and cards  # every free model, nothing else
    assert all(label.startswith("🎁 ") for label in chat.buttons() if "🎁" in label)
    assert any("(" in label for label in chat.buttons())  # a free price with a condition


def test_with_none_left_the_free_screen_says_they_are_charged_until_the_reset() -> None:
    chat = Chat("en", ctx=context(free_left_today=0, free_bonus_left=0)).started()
    chat.press(encode("ff"))
    assert t("en", "free_left", left=0, per_day=5) in chat.text
    assert t("en", "free_none_left") in chat.text


def test_bonus_generations_count_and_are_named() -> None:
    chat = Chat("en", ctx=context(free_left_today=1, free_bonus_left=4)).started()
    chat.press(encode("ff"))
    assert t("en", "free_left", left=5, per_day=5) in chat.text
    assert t("en", "free_bonus", n=4) in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_and_cards_mark_free_models(language: str) -> None:
    model = catalog().model("z-image")
    chat = Chat(language).started()
    chat.press(encode("l", model.kind, 0))
    assert any(label.startswith(f"🎁 {model.name} ·") for label in chat.buttons())
    chat.press(encode("c", model.id))
    assert t(language, "card_free") in chat.text
    chat.press(encode("c", "ideogram-v3"))  # free in Turbo only
    speed = next(s for s in catalog().model("ideogram-v3").inputs if s.name == "rendering_speed")
    turbo = speed.option("TURBO")  # type: ignore[attr-defined]
    assert t(language, "card_free_when", when=turbo.label.get(language)) in chat.text
