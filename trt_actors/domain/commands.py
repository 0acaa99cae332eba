"""Slash commands: what each does (one table), and the command menu Telegram shows.

`commands_for(language)` gives the `setMyCommands` calls for one language; the tree makes
them once at start for every language in `LANGUAGES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from . import admin, knowledge
from .effects import BotCall
from .moves import Move
from .screens import jobs
from .state import MENU, JourneyState
from .texts import DEFAULT_LANGUAGE, text
from .turn import Turn

CommandAction = Callable[[Turn, JourneyState, str], Move]


def start(turn: Turn, state: JourneyState, argument: str) -> Move:
    """Welcome and the main menu — or, for a new user, the short tutorial first."""
    state = replace(state.with_payload(argument), draft=None)
    return Move(state.at(MENU if state.tutorial_done else "t|1"))


def _leave(note_key: str) -> CommandAction:
    def leave(turn: Turn, state: JourneyState, argument: str) -> Move:
        note = turn.t(note_key) if state.draft is not None else None
        return Move(replace(state, draft=None, screen=MENU), note=note)

    return leave


def _go(path: str) -> CommandAction:
    def go(turn: Turn, state: JourneyState, argument: str) -> Move:
        return Move(state.at(path))

    return go


def status(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, screen=jobs.status(turn, argument.split(" ", 1)[0].lstrip("#№")))


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    action: CommandAction
    listed: bool = True  # shown in Telegram's command menu
    description: str = ""  # its text key in the menu; "" means cmd_<name>


COMMANDS: tuple[Command, ...] = (
    Command("start", start),
    Command("generate", _go("k")),
    Command("models", _go("k")),
    Command("balance", _go("b")),
    Command("history", _go("h|0")),
    Command("status", status),
    Command("language", _go("lg")),
    Command("help", _go("?")),
    Command("cancel", _leave("note_cancelled")),
    Command("reset", _leave("note_reset_menu")),
    Command("search", knowledge.search, description="kb_cmd_search"),
    Command("ask", knowledge.ask, description="kb_cmd_ask"),
    Command("menu", _go(MENU), listed=False),
    # admins: the knowledge base; anyone else gets the unknown-command answer (and an audit
    # entry), as for every admin command
    Command("add", admin.actions.command(knowledge.add), listed=False),
    Command("kb_edit", admin.actions.command(knowledge.edit_entry), listed=False),
    Command("kb_delete", admin.actions.command(knowledge.delete_entry), listed=False),
)
BY_NAME = {command.name: command for command in COMMANDS}


def unknown(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(
        state.at(MENU) if state.draft is None else state, note=turn.t("hint_unknown_command")
    )


def run_command(turn: Turn, state: JourneyState, name: str, argument: str) -> Move:
    command = BY_NAME.get(name)
    if command is not None:
        return command.action(turn, state, argument)
    return admin.COMMANDS.get(name, unknown)(turn, state, argument)


def commands_for(language: str) -> list[BotCall]:
    """The `setMyCommands` calls for `language`: its own list, and for the default language
    also the list every user without a dedicated one sees."""
    commands = [
        {
            "command": command.name,
            "description": text(language, command.description or f"cmd_{command.name}"),
        }
        for command in COMMANDS
        if command.listed
    ]
    calls = [BotCall("setMyCommands", {"commands": commands, "language_code": language})]
    if language == DEFAULT_LANGUAGE:
        calls.append(BotCall("setMyCommands", {"commands": commands}))
    return calls
