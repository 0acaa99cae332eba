"""A new area of the bot is one declared value and one line in the list of areas.

`/ping` here is such an area, written as a new maintainer would: a command, a screen with a
button, a lookup (how many pings so far) and an operation (one ping, recorded idempotently),
with its storage side. Composed with the bot's own areas it runs through the whole service;
without its performers the tree refuses to start, naming what nobody answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from trt_actors.app.tree import Tree
from trt_actors.catalog import load_catalog
from trt_actors.domain.area import Area, Command, compose
from trt_actors.domain.areas import AREAS
from trt_actors.domain.callbacks import Press, encode
from trt_actors.domain.effects import Lookup, Operation
from trt_actors.domain.journey import Journey
from trt_actors.domain.moves import Move
from trt_actors.domain.state import JourneyState
from trt_actors.domain.turn import Turn
from trt_actors.domain.view import Button, Screen
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.operations import PERFORMERS, AreaPerformers, PerformerCollision, Performers, Site
from trt_actors.storage import Tx
from trt_actors.testing.kit import running_bot, service_settings

# -- the area: one module's worth ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PingCount(Lookup):
    user_id: int


@dataclass(frozen=True, slots=True)
class Ping(Operation):
    user_id: int
    key: str


def ping(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, effects=(Ping(turn.user_id, f"ping:{turn.update_id}"),))


def ping_again(turn: Turn, state: JourneyState, press: Press) -> Move:
    return Move(state, effects=(Ping(turn.user_id, f"ping:{turn.update_id}"),))


def pinged(turn: Turn, state: JourneyState, operation: Ping, result: object) -> Move:
    return Move(state.at("pg"), toast="🏓")


def pong(turn: Turn, state: JourneyState, press: Press) -> Screen:
    count = turn.context.found.get(PingCount(turn.user_id), 0)
    return Screen(f"Pong — {count} so far", ((Button("Ping again", encode("pga")),),))


PING = Area(
    "ping",
    screens={"pg": pong},
    actions={"pga": ping_again},
    commands=(Command("ping", ping, listed=False),),
    user_needs={"screen:pg": lambda user: [PingCount(user)]},
    settlers={Ping: pinged},
    lookups=(PingCount,),
)

PING_PERFORMERS = AreaPerformers("ping")


@PING_PERFORMERS.reads(PingCount)
def _count(tx: Tx, lookup: PingCount, site: Site) -> int:
    return sum(entry.actor_id == lookup.user_id for entry in tx.audit.recent(action="ping"))


@PING_PERFORMERS.performs(Ping)
def _ping(tx: Tx, operation: Ping, site: Site) -> int:
    return tx.audit.record(operation.user_id, "ping", key=operation.key)


# -- the tests ---------------------------------------------------------------------------


async def test_a_new_area_runs_through_the_whole_service(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    journey = Journey(load_catalog(), compose((*AREAS, PING)))
    performers = Performers((*PERFORMERS.areas, PING_PERFORMERS))
    async with running_bot(
        tmp_path, emulator=telegram_emulator, handler=journey, performers=performers
    ) as bot:
        ann = bot.user("Ann", language_code="en")
        await ann.send("/ping")
        assert (await ann.next_message())["text"] == "Pong — 1 so far"
        query = await ann.press("Ping again")
        assert (await ann.answer_to(query)).get("text") == "🏓"
        assert (await ann.next_edit())["text"] == "Pong — 2 so far"
        await ann.send("/balance")  # the bot's own areas are all there
        assert "Balance" in (await ann.next_message())["text"]


def test_an_area_without_its_performers_does_not_start(tmp_path: Path) -> None:
    journey = Journey(load_catalog(), compose((*AREAS, PING)))
    settings = service_settings("http://127.0.0.1:9", "123456:" + "A" * 35, tmp_path)
    with pytest.raises(PerformerCollision) as refused:
        Tree(settings, journey)
    assert "lookup PingCount is declared but nobody reads it" in str(refused.value)
    assert "operation Ping is settled but nobody performs it" in str(refused.value)
    Tree(settings, journey, performers=Performers((*PERFORMERS.areas, PING_PERFORMERS)))


def test_a_lookup_or_operation_answered_by_two_areas_is_refused() -> None:
    twice = AreaPerformers("again")
    twice.reads(PingCount)(_count)
    with pytest.raises(PerformerCollision, match="lookup PingCount is answered twice"):
        Performers((PING_PERFORMERS, twice))
    live = AreaPerformers("live")
    live.performs_live(Ping)(_ping)
    with pytest.raises(PerformerCollision, match="operation Ping is answered twice"):
        Performers((PING_PERFORMERS, live))
    with pytest.raises(PerformerCollision, match="already has a reader"):
        PING_PERFORMERS.reads(PingCount)(_count)
