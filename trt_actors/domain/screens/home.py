"""The welcome and main menu, the sections list, the first-run tutorial, language and help."""

from __future__ import annotations

from ..admin import lead
from ..callbacks import encode
from ..state import JourneyState
from ..texts import text_or
from ..turn import Turn
from ..view import Button, Screen, grid, stack

TUTORIAL_PAGES = 3


def menu_button(turn: Turn) -> Button:
    return Button(turn.t("btn_menu"), encode("m"))


def kind_buttons(turn: Turn) -> list[Button]:
    buttons = []
    for kind in turn.kinds():
        icon = text_or(turn.language, f"icon_{kind.id}", "•")
        buttons.append(Button(f"{icon} {kind.name.get(turn.language)}", encode("l", kind.id, 0)))
    return buttons


def main_menu(turn: Turn, state: JourneyState) -> Screen:
    """Welcome and the main menu: every section with models, then the account entries. Built
    from memory alone (no balance on it), so /start needs nothing read from storage."""
    account = [
        Button(turn.t("menu_balance"), encode("b")),
        Button(turn.t("menu_history"), encode("h", 0)),
        Button(turn.t("menu_referral"), encode("r")),
        Button(turn.t("menu_help"), encode("?")),
        Button(turn.t("menu_language"), encode("lg")),
    ]
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
    support = turn.context.support_contact or turn.context.settings.support_contact
    rows = (
        (Button(turn.t("btn_tutorial_again"), encode("t", 1)),),
        (Button(turn.t("btn_models"), encode("k")), menu_button(turn)),
    )
    body = f"{turn.t('help')}\n{turn.t('kb_help_line')}"
    if support:  # without a contact, nothing is said about one
        body += "\n\n" + turn.t("help_support", contact=support)
    return Screen(body, rows)
