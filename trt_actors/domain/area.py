"""Areas of the bot, and the routes composed from them.

An `Area` is one declared value: the screens, button actions, awaited inputs, commands and
messages of one part of the bot (the menus, the wizard, money, the admin panel, …), what each
needs read before it is handled (lookups) and how it answers once its operations ran
(settlers). No area changes another's tables: `compose` builds the journey's routing tables
from a list of areas (`domain.areas.AREAS`, the one place) and refuses, with a message naming
both areas, any callback code, command, lookup key or operation claimed twice.

Press arguments are typed: an area binds a code to a function of its typed arguments
(`acts(OptionArgs, wizard.choose)`, `shows(…)`, `reads(…)`; `callbacks.Args`), so no
function reads a press's text by position; a code without arguments takes the `Press`.

A callback code belongs to one area, which may use it for a screen, an action and an awaited
input at once (the admin's "ac" shows the adjustment screen, its press opens it, the amount
typed there answers it). Lookups may be declared for a code or a command of another area (the
jobs area reads the newest job when the wizard's Confirm is pressed), but only for one that
some area declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from .callbacks import Args, Press, decode, parse_path, path_of
from .effects import BotCall, Lookup, Operation
from .moves import Move
from .state import MENU, JourneyState
from .texts import DEFAULT_LANGUAGE, LANGUAGES, text
from .turn import Turn
from .updates import Incoming, Kind
from .view import Screen

K = TypeVar("K")
V = TypeVar("V")

ScreenFunction = Callable[[Turn, JourneyState, Press], Screen | None]
PressAction = Callable[[Turn, JourneyState, Press], Move | None]
"""What a button press does; None for a press it cannot honour (shown as stale)."""
InputAction = Callable[[Turn, JourneyState, Incoming], Move | None]
"""The answer to a message the state waits for (`JourneyState.awaiting`)."""
CommandAction = Callable[[Turn, JourneyState, str], Move]
MessageTaker = Callable[[Turn, JourneyState, Incoming], Move | None]
"""A message an area takes by where the user is (a payment, an amount typed on its screen);
None when it is not for the area."""
PressNeeds = Callable[[Press], Sequence[Lookup[object]]]
CommandNeeds = Callable[[str], Sequence[Lookup[object]]]
UserNeeds = Callable[[int], Sequence[Lookup[object]]]
Settler = Callable[[Turn, JourneyState, Any, Any], Move]
"""`(turn, state, operation, result) -> Move`: how the journey answers a performed operation."""


A = TypeVar("A", bound=Args)


def acts(kind: type[A], action: Callable[[Turn, JourneyState, A], Move | None]) -> PressAction:
    """`action`, given the press's arguments typed as `kind`; a press whose arguments do not
    fit is stale (None), as any press its action cannot honour."""

    def act(turn: Turn, state: JourneyState, press: Press) -> Move | None:
        args = kind.parse(press)
        return None if args is None else action(turn, state, args)

    return act


def shows(
    kind: type[A], screen: Callable[[Turn, JourneyState, A], Screen | None]
) -> ScreenFunction:
    """`screen`, given the path's arguments typed as `kind`; a path whose arguments do not
    fit shows nothing (the main menu instead)."""

    def shown(turn: Turn, state: JourneyState, press: Press) -> Screen | None:
        args = kind.parse(press)
        return None if args is None else screen(turn, state, args)

    return shown


def reads(kind: type[A], needs: Callable[[A], Sequence[Lookup[object]]]) -> PressNeeds:
    """`needs`, given the press's (or path's) arguments typed as `kind`; nothing is read
    for arguments that do not fit."""

    def wanted(press: Press) -> Sequence[Lookup[object]]:
        args = kind.parse(press)
        return () if args is None else needs(args)

    return wanted


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    action: CommandAction
    listed: bool = True  # shown in Telegram's command menu
    description: str = ""  # its text key in the menu; "" means cmd_<name>


@dataclass(frozen=True)
class Area:
    """One part of the bot, declared whole. Every table is keyed by what the user sends:
    a callback code, an awaited input's code, a command's name, an operation's type.

    `user_needs` and `newcomer_needs` are keyed by "command:<name>", "screen:<code>" or an
    update kind ("pre_checkout") and take the sender's id; newcomer needs are read only for a
    sender with no saved state yet. `sealed` names screens a press cannot open by their code
    (the wizard's position is reached only through its actions)."""

    name: str
    screens: Mapping[str, ScreenFunction] = field(default_factory=dict)
    actions: Mapping[str, PressAction] = field(default_factory=dict)
    inputs: Mapping[str, InputAction] = field(default_factory=dict)
    commands: Sequence[Command] = ()
    messages: MessageTaker | None = None
    press_needs: Mapping[str, PressNeeds] = field(default_factory=dict)
    command_needs: Mapping[str, CommandNeeds] = field(default_factory=dict)
    screen_needs: Mapping[str, PressNeeds] = field(default_factory=dict)
    user_needs: Mapping[str, UserNeeds] = field(default_factory=dict)
    newcomer_needs: Mapping[str, UserNeeds] = field(default_factory=dict)
    settlers: Mapping[type[Operation], Settler] = field(default_factory=dict)
    lookups: Sequence[type[Lookup[object]]] = ()
    """The kinds of lookup its needs ask for (checked against the storage side at start)."""
    sealed: frozenset[str] = frozenset()

    @property
    def codes(self) -> frozenset[str]:
        """Every callback code this area owns."""
        return frozenset((*self.screens, *self.actions, *self.inputs))


class AreaCollision(ValueError):
    """Two areas claim one code, command, lookup key or operation; or a lookup is declared
    for a code or command no area has."""


@dataclass(frozen=True)
class Routes:
    """The journey's routing tables, composed from its areas (`compose`). Read-only."""

    areas: tuple[Area, ...]
    screens: Mapping[str, ScreenFunction]
    actions: Mapping[str, PressAction]
    inputs: Mapping[str, InputAction]
    commands: Mapping[str, Command]
    messages: tuple[MessageTaker, ...]
    press_needs: Mapping[str, PressNeeds]
    command_needs: Mapping[str, CommandNeeds]
    screen_needs: Mapping[str, PressNeeds]
    user_needs: Mapping[str, UserNeeds]
    newcomer_needs: Mapping[str, UserNeeds]
    settlers: Mapping[type[Operation], Settler]
    sealed: frozenset[str]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset((*self.screens, *self.actions, *self.inputs))

    @property
    def operations(self) -> frozenset[type[Operation]]:
        return frozenset(self.settlers)

    @property
    def lookups(self) -> frozenset[type[Lookup[object]]]:
        return frozenset(kind for area in self.areas for kind in area.lookups)

    def owner(self, code: str) -> str | None:
        """The name of the area that owns callback code `code`."""
        return next((area.name for area in self.areas if code in area.codes), None)

    # screens -------------------------------------------------------------------------

    def screen_at(self, turn: Turn, state: JourneyState, path: str) -> Screen | None:
        """The screen `path` shows in `state`, or None when the path is unknown or stale."""
        press = parse_path(path)
        function = self.screens.get(press.code) if press else None
        if press is None or function is None:
            return None
        return function(turn, state, press)

    def render(self, turn: Turn, state: JourneyState) -> tuple[JourneyState, Screen]:
        """The screen the state points at, and the state; the main menu when it points
        nowhere (a model taken out of the catalog, a draft that is gone)."""
        shown = self.screen_at(turn, state, state.screen)
        if shown is not None:
            return state, shown
        state = state.at(MENU)
        menu = self.screen_at(turn, state, MENU)
        assert menu is not None, "the main menu renders in every state"
        return state, menu

    # what the user sends -------------------------------------------------------------

    def press(self, turn: Turn, state: JourneyState, pressed: Press) -> Move | None:
        """What `pressed` does in `state`, or None when it is stale. Codes that name a screen
        go there; the others are actions."""
        action = self.actions.get(pressed.code)
        if action is not None:
            return action(turn, state, pressed)
        if pressed.code in self.screens and pressed.code not in self.sealed:
            path = path_of(pressed)
            if self.screen_at(turn, state, path) is not None:
                return Move(state.at(path))
        return None

    def command(self, turn: Turn, state: JourneyState, name: str, argument: str) -> Move:
        command = self.commands.get(name)
        if command is not None:
            return command.action(turn, state, argument)
        return Move(
            state.at(MENU) if state.draft is None else state, note=turn.t("hint_unknown_command")
        )

    def awaited(self, turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
        """The answer to what the state waits for, or None when it waits for nothing known."""
        if not state.awaiting:
            return None
        action = self.inputs.get(state.awaiting.split(":", 1)[0])
        return action(turn, state, incoming) if action is not None else None

    def message(self, turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
        """The first area's answer to a message it takes by where the user is."""
        for take in self.messages:
            move = take(turn, state, incoming)
            if move is not None:
                return move
        return None

    # lookups and operations ----------------------------------------------------------

    def needs(self, state: JourneyState, incoming: Incoming) -> list[Lookup[object]]:
        """Every lookup for `incoming` in `state`, each once, in a stable order. The session
        asks twice — with the state before the update and the state the handler moved to —
        so a screen reached by any way (a press, a command, Back) gets its data."""
        found: list[Lookup[object]] = []
        if incoming.kind is Kind.CALLBACK:
            pressed = decode(incoming.callback_data)
            if pressed is not None and pressed.code in self.press_needs:
                found += self.press_needs[pressed.code](pressed)
        elif incoming.kind is Kind.COMMAND and incoming.command in self.command_needs:
            found += self.command_needs[incoming.command](incoming.argument)
        shown = parse_path(state.screen)
        if shown is not None and shown.code in self.screen_needs:
            found += self.screen_needs[shown.code](shown)
        if incoming.user is not None:
            keys = [str(incoming.kind), f"screen:{shown.code if shown else ''}"]
            if incoming.kind is Kind.COMMAND:
                keys.append(f"command:{incoming.command}")
            for key in keys:
                if key in self.user_needs:
                    found += self.user_needs[key](incoming.user.user_id)
                if key in self.newcomer_needs and not state.returning:
                    found += self.newcomer_needs[key](incoming.user.user_id)
        return list(dict.fromkeys(found))

    def settled(
        self,
        turn: Turn,
        state: JourneyState,
        operations: Sequence[Operation],
        results: Sequence[object],
    ) -> Move:
        """The move after `operations` gave `results`: the last state, every note in order,
        the last toast and one-off screen. An operation no area settles is a programming
        error (KeyError; `compose` and the start-up check make it unreachable)."""
        move = Move(state)
        notes: list[str] = []
        for operation, result in zip(operations, results, strict=True):
            step = self.settlers[type(operation)](turn, move.state, operation, result)
            if step.note:
                notes.append(step.note)
            move = replace(
                step,
                toast=step.toast or move.toast,
                screen=step.screen or move.screen,
                effects=(*move.effects, *step.effects),
                calls=(*move.calls, *step.calls),
            )
        return replace(move, note="\n".join(notes) or None)

    # the command menu ----------------------------------------------------------------

    def commands_for(self, language: str) -> list[BotCall]:
        """The `setMyCommands` calls for `language`: its own list, and for the default
        language also the list every user without a dedicated one sees."""
        listed = [
            {
                "command": command.name,
                "description": text(language, command.description or f"cmd_{command.name}"),
            }
            for command in self.commands.values()
            if command.listed
        ]
        calls = [BotCall("setMyCommands", {"commands": listed, "language_code": language})]
        if language == DEFAULT_LANGUAGE:
            calls.append(BotCall("setMyCommands", {"commands": listed}))
        return calls

    def command_menu(self) -> list[BotCall]:
        """Every language's `setMyCommands` calls."""
        return [call for language in LANGUAGES for call in self.commands_for(language)]


def compose(areas: Iterable[Area]) -> Routes:
    """The routes of `areas`, in their order (the command menu lists commands in it).
    Raises `AreaCollision` on anything claimed twice or a lookup declared for nothing."""
    areas = tuple(areas)
    claims = _Claims()
    for area in areas:
        for code in sorted(area.codes):
            claims.claim("callback code", code, area.name)
        for command in area.commands:
            claims.claim("command", f"/{command.name}", area.name)
        for kind in area.settlers:
            claims.claim("operation", kind.__name__, area.name)
        for table, keys in (
            ("press lookups", area.press_needs),
            ("command lookups", area.command_needs),
            ("screen lookups", area.screen_needs),
            ("user lookups", area.user_needs),
            ("newcomer lookups", area.newcomer_needs),
        ):
            for key in keys:
                claims.claim(table, key, area.name)
        for code in area.sealed - set(area.screens):
            raise AreaCollision(f"area {area.name!r} seals {code!r}, which is not its screen")
    routes = Routes(
        areas=areas,
        screens=_merged(area.screens for area in areas),
        actions=_merged(area.actions for area in areas),
        inputs=_merged(area.inputs for area in areas),
        commands={command.name: command for area in areas for command in area.commands},
        messages=tuple(area.messages for area in areas if area.messages is not None),
        press_needs=_merged(area.press_needs for area in areas),
        command_needs=_merged(area.command_needs for area in areas),
        screen_needs=_merged(area.screen_needs for area in areas),
        user_needs=_merged(area.user_needs for area in areas),
        newcomer_needs=_merged(area.newcomer_needs for area in areas),
        settlers=_merged(area.settlers for area in areas),
        sealed=frozenset(code for area in areas for code in area.sealed),
    )
    _check_needs(routes)
    return routes


class _Claims:
    def __init__(self) -> None:
        self._owners: dict[tuple[str, str], str] = {}

    def claim(self, what: str, key: str, area: str) -> None:
        owner = self._owners.setdefault((what, key), area)
        if owner != area:
            raise AreaCollision(f"{what} {key!r} is claimed by areas {owner!r} and {area!r}")


def _merged(tables: Iterable[Mapping[K, V]]) -> dict[K, V]:
    merged: dict[K, V] = {}
    for table in tables:
        merged.update(table)
    return merged


def _check_needs(routes: Routes) -> None:
    """Lookups declared for a code or command no area has would never be read."""
    for table, keys, known in (
        ("press lookups", routes.press_needs, routes.codes),
        ("screen lookups", routes.screen_needs, routes.screens.keys()),
        ("command lookups", routes.command_needs, routes.commands.keys()),
    ):
        for key in keys:
            if key not in known:
                raise AreaCollision(f"{table} declared for {key!r}, which no area has")
