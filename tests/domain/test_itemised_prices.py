"""Itemised prices: for a model priced per unit (second, minute, 1,000 characters,
megapixel) the order check shows quantity times unit price = total, the quantity taken from what
the user gave; the card shows the price of one unit."""

from __future__ import annotations

from fractions import Fraction

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.money import money, unit_money
from trt_actors.domain.texts import LANGUAGES
from trt_actors.domain.texts import text as t

from .support import Chat, audio_update, catalog, context

TIMES = "\u00d7"  # the multiplication sign the order check writes

RICH = {"balance_kopecks": 10_000_000, "free_left_today": 0}


def to_confirmation(chat: Chat) -> None:
    while not any(d.startswith("v1|ok|") for d in chat.buttons().values()):
        chat.tap(t(chat.language, "btn_continue"))


def unit_price(model_id: str) -> Fraction:
    model = catalog().model(model_id)
    assert model is not None
    credits = model.pricing.skus[0].credits
    return catalog().default_tariff().exact_kopecks(credits)


@pytest.mark.parametrize("language", LANGUAGES)
def test_audio_priced_per_minute_shows_its_length_times_the_unit_price(language: str) -> None:
    chat = Chat(language, ctx=context(**RICH)).started()
    chat.press(encode("go", "elevenlabs-stt"))
    chat.feed(audio_update(language, "voice-1", seconds=90))  # Telegram's duration: 1.5 min
    to_confirmation(chat)
    quantity = "1,5" if language == "ru" else "1.5"
    per_minute = unit_price("elevenlabs-stt")
    total = money(-(-per_minute * 3 // 2), language)  # rounded up to a whole kopeck
    line = t(
        language,
        "confirm_itemised",
        quantity=quantity,
        unit=t(language, "unit_short_minute"),
        unit_price=unit_money(per_minute, language),
        total=total,
    )
    assert line in chat.text
    assert t(language, "confirm_price", price=total) in chat.text


def test_text_to_speech_counts_the_characters_typed() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "elevenlabs-tts"))
    chat.send("a" * 1234)
    to_confirmation(chat)
    assert f"1.234 {t('en', 'unit_short_1k_chars')} {TIMES} " in chat.text


def test_a_price_per_request_has_no_itemised_line() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "nano-banana"))
    chat.send("a red fox in the snow")
    to_confirmation(chat)
    assert f" {TIMES} " not in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_card_shows_the_price_of_one_unit(language: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("c", "elevenlabs-stt"))
    per_minute = unit_money(unit_price("elevenlabs-stt"), language)
    unit = catalog().units["minute"].get(language)
    assert t(language, "card_unit_price", unit=unit, price=per_minute) in chat.text


def test_unit_prices_keep_fractions_of_a_kopeck_honestly() -> None:
    assert unit_money(Fraction(240), "en") == "2.40 ₽"
    assert unit_money(Fraction(2375, 100), "ru") == "0,2375 ₽"
    assert unit_money(Fraction(1, 3), "en") == "≈0.0033 ₽"
