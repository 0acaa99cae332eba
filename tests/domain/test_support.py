"""A support contact per bot: a Support button in the main menu and on every failure notice
that opens the contact's chat or page; a contact that is not a link (an e-mail) leads to
Help, which shows it; without a contact nothing is said about one."""

from __future__ import annotations

import datetime

import pytest

from trt_actors.domain.screens import jobs
from trt_actors.domain.screens.home import support_url
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import LANGUAGES
from trt_actors.domain.texts import text as t

from .support import Chat, catalog, context


@pytest.mark.parametrize(
    ("contact", "url"),
    [
        ("@acme_help", "https://t.me/acme_help"),
        ("t.me/acme_help", "https://t.me/acme_help"),
        ("https://t.me/acme_help", "https://t.me/acme_help"),
        ("https://acme.example/help", "https://acme.example/help"),
        ("help@acme.example", None),
        ("+7 495 000-00-00", None),
        ("@a b", None),
    ],
)
def test_which_contacts_become_a_link(contact: str, url: str | None) -> None:
    assert support_url(contact) == url


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_menu_has_a_support_button_only_with_a_contact(language: str) -> None:
    settings = TenantSettings(support_contact="@acme_help")
    chat = Chat(language, ctx=context(settings=settings)).started()
    chat.send("/menu")
    assert chat.buttons()[t(language, "btn_support")] == "https://t.me/acme_help"
    plain = Chat(language).started()
    plain.send("/menu")
    assert t(language, "btn_support") not in plain.buttons()


def test_a_contact_that_is_not_a_link_leads_to_help_which_shows_it() -> None:
    settings = TenantSettings(support_contact="help@acme.example")
    chat = Chat("en", ctx=context(settings=settings)).started()
    chat.send("/menu")
    chat.tap(t("en", "btn_support"))
    assert "help@acme.example" in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failure_notice_offers_support(language: str) -> None:
    now = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)
    tariff = catalog().default_tariff()
    settings = TenantSettings(support_contact="@acme_help")
    turn = jobs.job_turn(catalog(), tariff, language, 7, now, settings=settings)
    failed = jobs.failure(turn, 12, "z-image", "kie_failed")
    labels = [button.label for row in failed.rows for button in row]
    assert t(language, "btn_support") in labels and t(language, "job_btn_retry") in labels
    bare = jobs.failure(jobs.job_turn(catalog(), tariff, language, 7, now), 12, "z-image", None)
    assert t(language, "btn_support") not in [b.label for row in bare.rows for b in row]
