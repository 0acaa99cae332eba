"""Through the whole service against the emulators: 20 presses of one Confirm at once start
one job and place one hold; stale and malformed buttons get the current menu, never an
error."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.money import money
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import CreditKind, Currency, LedgerKind, Tx
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import BotService, Conversation, running_bot

FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
MODEL = "seedream-4"  # a paid model that asks only for a prompt
BALANCE = 100_000  # kopecks


async def to_the_menu(user: Conversation) -> None:
    await user.send("/start")
    await user.next_message()
    await user.press(data="v1|ts")
    await user.next_edit()


async def test_twenty_concurrent_confirms_make_one_job_and_one_hold(tmp_path: Path) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(tmp_path, emulator=emulator, limits=FAST) as service,
    ):
        ann = service.user("Ann", language_code="en")
        await to_the_menu(ann)
        await credit(service, ann.id, BALANCE)
        menu = ann.messages()[-1]  # the model's card, as its list's button opens it
        service.emulator.ctl.forge_callback(ann.user, menu["message_id"], f"v1|c|{MODEL}")
        await ann.next_edit()
        await ann.press(data=f"v1|go|{MODEL}")
        await ann.next_edit()
        await ann.send("a lighthouse in a storm")
        await ann.next_message()  # the settings
        await ann.press(data="v1|nx|1")
        confirmation = await ann.next_edit()
        price = priced(confirmation["text"])
        assert "Free" not in confirmation["text"]
        queries = [await ann.press(data="v1|ok|1", message=confirmation) for _ in range(20)]
        answers = [await ann.answer_to(query) for query in queries]
        assert sum("Already starting" in a.get("text", "") for a in answers) == 19
        store = service.tree.root.child("store")

        def money_and_jobs(tx: Tx) -> tuple[list[str], int, int]:
            kinds = [entry.kind.value for entry in tx.ledger.entries(ann.id)]
            account = tx.ledger.account(ann.id, Currency.RUB)
            return kinds, len(tx.jobs.for_user(ann.id)), account.balance - account.available

        with trio.fail_after(10):
            while True:
                kinds, jobs, held = await store.read(service.settings.tenant_id, money_and_jobs)
                if jobs:
                    break
                await trio.sleep(0.05)
        assert jobs == 1
        assert kinds.count(LedgerKind.HOLD.value) == 1
        assert held in (price, 0)  # held, or already captured by a fast generation
        assert service.failures() == []
    emulator.assert_no_violations()


def priced(text: str) -> int:
    """The kopecks of the confirmation's price line, checked against the catalog's quote."""
    catalog = load_catalog()
    tariff = catalog.default_tariff()
    quote = catalog.model(MODEL).price(
        {"prompt": "a lighthouse in a storm"}, tariff.rub_per_usd, tariff.markup
    )
    kopecks = int(quote.kopecks)  # type: ignore[union-attr]
    assert f"Price: {money(kopecks, 'en')}" in text
    return kopecks


async def credit(service: BotService, user_id: int, kopecks: int) -> None:
    store = service.tree.root.child("store")
    await store.run(
        service.settings.tenant_id,
        lambda tx: tx.ledger.credit(
            user_id, kopecks, Currency.RUB, kind=CreditKind.ADMIN, key="test-credit", actor="test"
        ),
    )


@pytest.mark.parametrize(
    "data",
    [
        "select_model:flux",  # the old bot's layout
        "v0|m",  # another version
        "v1|zz|nothing",  # a code nobody registered
        "v1|ok|99",  # a Confirm of a draft that does not exist
        "\u00ff" * 40,  # garbage
    ],
)
async def test_stale_and_malformed_buttons_get_the_current_menu(
    bot_service: BotService, data: str
) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await to_the_menu(ann)
    menu = ann.messages()[-1]
    query = bot_service.emulator.ctl.forge_callback(ann.user, menu["message_id"], data)
    answer = await ann.answer_to(query)
    assert "out of date" in answer.get("text", "")
    current = await ann.next_message()
    assert "out of date" in current["text"] and current["message_id"] != menu["message_id"]
    assert buttons(current) == buttons(menu)  # the same menu, as a new message
    assert bot_service.failures() == []


def buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup")
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
