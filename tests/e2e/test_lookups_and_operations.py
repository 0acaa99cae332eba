"""The session's two generic steps around the pure handler, through the whole service.

Lookups: the handler names what it needs (here: the user's last ledger entries) and gets it
in `Context.found`, read before handling — and again when the screen it moved to needs more.
Operations: writes whose outcome decides the answer (here: a deposit) run in one transaction
before any reply; `settle` renders the answer from their results and the balance after; an
update handled again after a crash performs nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall, Lookup, Operation, Outcome
from trt_actors.domain.updates import Incoming, Kind
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.operations import PERFORMERS, AreaPerformers, Performers, Site
from trt_actors.storage import CreditKind, Currency, Tx
from trt_actors.testing.basic_bot import BasicBot
from trt_actors.testing.kit import running_bot


@dataclass(frozen=True, slots=True)
class LastEntries(Lookup):
    user_id: int


@dataclass(frozen=True, slots=True)
class Deposit(Operation):
    user_id: int
    amount: int
    key: str


TELLER = AreaPerformers("teller")


@TELLER.reads(LastEntries)
def _last_entries(tx: Tx, lookup: LastEntries, site: Site) -> int:
    return len(tx.ledger.entries(lookup.user_id, limit=10))


@TELLER.performs(Deposit)
def _deposit(tx: Tx, operation: Deposit, site: Site) -> int:
    entry = tx.ledger.credit(
        operation.user_id,
        operation.amount,
        Currency.RUB,
        kind=CreditKind.TOPUP,
        key=operation.key,
        actor=f"user:{site.user_id}",
    )
    return entry.id


class Teller(BasicBot):
    """'deposit' credits 5 ₽ (keyed by the update); 'ledger' shows the ledger screen, which
    needs the entry count; settle crashes once when asked to."""

    def __init__(self) -> None:
        self.crashed = False

    def lookups(self, state: Mapping[str, Any], incoming: Incoming) -> Sequence[Lookup]:
        user = incoming.user.user_id if incoming.user else 0
        return (LastEntries(user),) if state.get("screen") == "ledger" else ()

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        if incoming.kind is not Kind.TEXT or incoming.user is None or incoming.chat_id is None:
            return super().__call__(state, incoming, context)
        user = incoming.user.user_id
        if incoming.text.startswith("deposit"):
            deposit = Deposit(user, 500, key=f"deposit:{incoming.update_id}")
            return Outcome(dict(state), effects=[deposit])
        if incoming.text == "ledger":
            count = context.lookup(LastEntries(user))
            reply = {"chat_id": incoming.chat_id, "text": f"entries: {count}"}
            return Outcome({**state, "screen": "ledger"}, [BotCall("sendMessage", reply)])
        return super().__call__(state, incoming, context)

    def settle(
        self, outcome: Outcome, incoming: Incoming, context: Context, results: Sequence[object]
    ) -> Outcome:
        if incoming.text == "deposit crash" and not self.crashed:
            self.crashed = True
            raise RuntimeError("crashed after the deposit was performed")
        text = f"deposited, entry {results[0]}, balance {context.balance_kopecks}"
        reply = BotCall("sendMessage", {"chat_id": incoming.chat_id, "text": text})
        return replace(outcome, calls=[reply])


async def test_operations_run_before_the_reply_once_and_lookups_feed_the_screen(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(
        tmp_path,
        emulator=telegram_emulator,
        handler=Teller(),
        performers=Performers((*PERFORMERS.areas, TELLER)),
    ) as bot:
        ann = bot.user("Ann", language_code="en")
        await ann.send("deposit")  # a brand-new user: the profile exists before the credit
        first = (await ann.next_message())["text"]
        assert first.startswith("deposited, entry ") and first.endswith("balance 500")

        await ann.send("deposit crash")  # settle crashes once: retried, credited once
        second = (await ann.next_message())["text"]
        assert second.endswith("balance 1000")

        # the screen moved to needs the entry count: looked up on the second pass
        await ann.send("ledger")
        assert (await ann.next_message())["text"] == "entries: 2"
        await ann.send("ledger")
        assert (await ann.next_message())["text"] == "entries: 2"

        store = bot.tree.root.child("store")
        user = ann.id
        account = await store.read("default", lambda tx: tx.ledger.account(user, Currency.RUB))
        assert account.balance == 1000
