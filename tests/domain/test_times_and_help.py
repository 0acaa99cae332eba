"""What a newcomer reads: times that say their zone, and help without placeholders."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.context import JobView
from trt_actors.domain.local_time import stamp, zone_label
from trt_actors.domain.money_effects import MoneyFacts, MoneySummary, Movement
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import LANGUAGES, text

from .support import CHAT, NOW, Chat, context

AT_MS = int(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC).timestamp() * 1000)


def balance_text(timezone: str, language: str = "en") -> str:
    money = MoneyFacts(balance=15_000, movements=(Movement("stars", 15_000, AT_MS),))
    ctx = context(settings=TenantSettings(timezone=timezone), found={MoneySummary(CHAT): money})
    chat = Chat(language, ctx=ctx).started()
    chat.press(encode("b"))
    return chat.text


@pytest.mark.parametrize(
    ("timezone", "shown"),
    [
        ("Europe/Moscow", "01.12 12:30 MSK"),
        ("Asia/Almaty", "01.12 14:30 UTC+5"),  # a zone whose abbreviation is only a number
        ("UTC", "01.12 09:30 UTC"),
        ("Asia/Kolkata", "01.12 15:00 IST"),
    ],
)
def test_the_balance_s_movements_say_which_zone_their_times_are_in(
    timezone: str, shown: str
) -> None:
    assert shown in balance_text(timezone)


def test_a_zone_without_letters_is_written_as_its_offset() -> None:
    when = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
    assert stamp(when, "America/St_Johns", "%H:%M") == "06:00 NST"
    assert zone_label(when.astimezone(datetime.timezone(datetime.timedelta(hours=-3)))) == "UTC-3"
    odd = datetime.timezone(datetime.timedelta(hours=5, minutes=45))
    assert zone_label(when.astimezone(odd)) == "UTC+5:45"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_generation_s_detail_says_its_zone(language: str) -> None:
    job = JobView("7", "z-image", "delivered", NOW, 0, True, CHAT, {"prompt": "a fox"})
    chat = Chat(language, ctx=context(requested_job=job)).started()
    chat.press(encode("jo", 7))
    assert "01.12.2026 15:00 MSK" in chat.text  # NOW is 12:00 UTC


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_without_a_support_contact_says_nothing_about_one(language: str) -> None:
    chat = Chat(language).started()
    chat.send("/help")
    assert chat.text.startswith(text(language, "help"))
    for placeholder in ("appear", "появится", "контакт", "contact"):
        assert placeholder not in chat.text.lower()
    with_contact = Chat(
        language, ctx=replace(context(), settings=TenantSettings(support_contact="@acme_help"))
    ).started()
    with_contact.send("/help")
    assert chat.text in with_contact.text
    assert with_contact.text.endswith(text(language, "help_support", contact="@acme_help"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_ask_without_an_answer_or_a_contact_points_to_search_and_help(language: str) -> None:
    chat = Chat(language).started()
    chat.send("/ask how do I get a refund")
    assert chat.text == text(language, "kb_no_answer")
    assert "/search" in chat.text and "/help" in chat.text
    assert "appear" not in chat.text and "появится" not in chat.text
