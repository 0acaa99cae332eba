"""The journey's lookups and operations, pure: what it asks the session to read, and how a
move that carries an operation is shown only once the operation's result is known."""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.domain.area import Area, compose
from trt_actors.domain.areas import AREAS
from trt_actors.domain.callbacks import Press, encode
from trt_actors.domain.effects import Lookup, Operation
from trt_actors.domain.journey import Journey
from trt_actors.domain.moves import Move
from trt_actors.domain.state import JourneyState
from trt_actors.domain.turn import Turn
from trt_actors.domain.updates import read

from .support import callback_update, catalog, context, text_update


@dataclass(frozen=True, slots=True)
class Wallet(Lookup):
    user_id: int


@dataclass(frozen=True, slots=True)
class Gift(Operation):
    key: str


def _gift(turn: Turn, state: JourneyState, press: Press) -> Move:
    return Move(state.at("b"), effects=(Gift(f"gift:{press.arg(0)}"),))


def _gifted(turn: Turn, state: JourneyState, operation: Gift, result: object) -> Move:
    return Move(state, note=f"gift {operation.key}: {result}", toast="ok")


GIFTS = Area(
    "gifts",
    actions={"zg": _gift},
    press_needs={"zg": lambda press: [Wallet(1)]},
    screen_needs={"m": lambda press: [Wallet(1)]},  # another area's screen, another command
    command_needs={"balance": lambda argument: [Wallet(2)]},
    settlers={Gift: _gifted},
    lookups=(Wallet,),
)


def journey() -> Journey:
    return Journey(catalog(), compose((*AREAS, GIFTS)))


def test_lookups_come_from_the_press_the_command_and_the_screen_each_once() -> None:
    bot = journey()
    on_menu = JourneyState().dump({})
    press = read(callback_update("en", encode("zg", "7")))
    assert bot.lookups(on_menu, press) == [Wallet(1)]  # the press's and the screen's, once
    command = read(text_update("en", "/balance"))
    assert bot.lookups(on_menu, command) == [Wallet(2), Wallet(1)]
    assert bot.lookups(JourneyState().at("?").dump({}), read(text_update("en", "hi"))) == []


def test_a_move_with_an_operation_is_answered_only_when_settled() -> None:
    bot = journey()
    press = read(callback_update("en", encode("zg", "7")))
    pending = bot(JourneyState().dump({}), press, context())
    assert pending.calls == [] and pending.effects == [Gift("gift:7")]
    final = bot.settle(pending, press, context(balance_kopecks=1234), ["granted"])
    assert [call.method for call in final.calls] == ["answerCallbackQuery", "editMessageText"]
    assert final.calls[0].params.get("text") == "ok"
    assert "gift gift:7: granted" in final.calls[1].params["text"]
    assert final.effects == []  # the operation is done; nothing is left for the session
    assert final.state["screen"] == "b"
