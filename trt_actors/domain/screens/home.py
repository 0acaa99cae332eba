"""The welcome and main menu, the sections list, the first-run tutorial, language and help."""

from __future__ import annotations

import re

from ..admin import lead
from ..callbacks import encode
from ..state import JourneyState
from ..texts import text_or
from ..turn import Turn
from ..view import Button, Screen, grid, link_button, stack

TUTORIAL_PAGES = 3


USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")  # a Telegram username


def menu_button(turn: Turn) -> Button:
    return Button(turn.t("btn_menu"), encode("m"))


def kind_buttons(turn: Turn) -> list[Button]:
    buttons = []
    for kind in turn.kinds():
        icon = text_or(turn.language, f"icon_{kind.id}", "•")
        buttons.append(Button(f"{icon} {kind.name.get(turn.language)}", encode("l", kind.id, 0)))
    return buttons


def support_contact(turn: Turn) -> str:
    """How users reach a person: the tenant's live setting, else the context's."""
    return (turn.context.settings.support_contact or turn.context.support_contact).strip()


def support_url(contact: str) -> str | None:
    """A link the client can open for `contact`: @name and t.me/name open the chat, an https
    link opens itself; anything else (an e-mail, a phone) is not a link."""
    handle = contact.removeprefix("@").removeprefix("https://").removeprefix("t.me/")
    if contact.startswith(("@", "t.me/", "https://t.me/")) and USERNAME.fullmatch(handle):
        return f"https://t.me/{handle}"
    if contact.startswith("https://") and " " not in contact:
        return contact
    return None


def support_button(turn: Turn) -> Button | None:
    """The Support button, when the tenant has a contact: the contact's chat or page, else
    Help (which shows the contact)."""
    contact = support_contact(turn)
    if not contact:
        return None
    url = support_url(contact)
    label = turn.t("btn_support")
    return link_button(label, url) if url else Button(label, encode("?"))


def main_menu(turn: Turn, state: JourneyState) -> Screen:
    """Welcome and the main menu: every section with models, then the account entries. Built
    from memory alone (no balance on it), so /start needs nothing read from storage."""
    account = [
        Button(turn.t("menu_free"), encode("ff")),
        Button(turn.t("menu_balance"), encode("b")),
        Button(turn.t("menu_history"), encode("h", 0)),
        Button(turn.t("menu_referral"), encode("r")),
        Button(turn.t("menu_help"), encode("?")),
        Button(turn.t("menu_language"), encode("lg")),
    ]
    if (support := support_button(turn)) is not None:
        account.append(support)
    if turn.context.is_admin and not state.as_user:
        account.append(Button(turn.t("adm_btn_panel"), encode("a")))
    elif (want := lead.button(turn, state)) is not None:
        account.append(want)
    rows = stack(grid(kind_buttons(turn), 2), grid(account, 2))
    return Screen(turn.t("welcome", name=turn.name), rows)


def kinds(turn: Turn, state: JourneyState) -> Screen:
    """The sections only (/models, /generate)."""
    rows = stack(grid(kind_buttons(turn), 2), ((menu_button(turn),),))
    return Screen(turn.t("kinds_title"), rows)


def tutorial(turn: Turn, state: JourneyState, page: int) -> Screen:
    """One of the three first-run pages; every page can be skipped."""
    page = min(max(page, 1), TUTORIAL_PAGES)
    body = turn.t(f"tutorial_{page}", name=turn.name)
    header = turn.t("tutorial_page", page=page, pages=TUTORIAL_PAGES)
    buttons: tuple[Button, ...]
    if page < TUTORIAL_PAGES:
        buttons = (
            Button(turn.t("btn_tutorial_next"), encode("t", page + 1)),
            Button(turn.t("btn_tutorial_skip"), encode("ts")),
        )
    else:
        buttons = (Button(turn.t("btn_tutorial_done"), encode("ts")),)
    return Screen(f"{body}\n\n{header}", (buttons,))


def language(turn: Turn, state: JourneyState) -> Screen:
    choices = (
        Button(turn.t("btn_language_ru"), encode("sl", "ru")),
        Button(turn.t("btn_language_en"), encode("sl", "en")),
    )
    current = turn.t(f"language_name_{turn.language}")
    return Screen(turn.t("language_title", current=current), (choices, (menu_button(turn),)))


def help_screen(turn: Turn, state: JourneyState) -> Screen:
    support = support_contact(turn)
    rows = (
        (Button(turn.t("btn_tutorial_again"), encode("t", 1)),),
        (Button(turn.t("btn_models"), encode("k")), menu_button(turn)),
    )
    body = f"{turn.t('help')}\n{turn.t('kb_help_line')}"
    if support:  # without a contact, nothing is said about one
        body += "\n\n" + turn.t("help_support", contact=support)
    return Screen(body, rows)
