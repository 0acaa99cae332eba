"""Through the whole service against the emulators: 20 presses of one Confirm at once start
one job and place one hold; stale and malformed buttons get the current menu, never an
error — and never a claim that finished work is starting; Again pressed twice brings the
same order check back."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.money import money
from trt_actors.domain.texts import text
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
        again = (text("en", "note_already_starting"), text("en", "note_order_finished"))
        assert sum(a.get("text", "") in again for a in answers) == 19  # a fast job: finished
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
    return [
        b["callback_data"] for row in markup["inline_keyboard"] for b in row if "callback_data" in b
    ]


def data_of(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [
        b["callback_data"] for row in markup["inline_keyboard"] for b in row if "callback_data" in b
    ]


async def generated(service: BotService, ann: Conversation) -> tuple[str, dict[str, object]]:
    """From the menu through the wizard to a delivered result: the wizard's Cancel data (on
    its first step's message) and the result message."""
    await credit(service, ann.id, BALANCE)
    menu = ann.messages()[-1]
    service.emulator.ctl.forge_callback(ann.user, menu["message_id"], "v1|c|z-image")
    await ann.next_edit()
    await ann.press(data="v1|go|z-image")
    step = await ann.next_edit()
    [cancel] = [d for d in data_of(step) if d.startswith("v1|cx|")]
    await ann.send("a lighthouse in a storm")
    await ann.next_message()  # the settings
    await ann.press(data=cancel.replace("|cx|", "|nx|"))
    confirmation = await ann.next_edit()
    [start] = [d for d in data_of(confirmation) if d.startswith("v1|ok|")]
    await ann.press(data=start)
    starting = await ann.next_edit()
    assert starting["text"].startswith("⏳")
    ctl = service.emulator.ctl
    result = await ctl.wait_for(ann.user, lambda m: "photo" in m and "caption" in m, timeout=20)
    await ctl.wait_for(ann.user, lambda m: str(m.get("text", "")).startswith("✅"), timeout=10)
    return cancel, result


async def test_an_old_wizard_cancel_pressed_twice_after_the_result_answers_once_with_the_menu(
    bot_service: BotService,
) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await to_the_menu(ann)
    menu = data_of(ann.messages()[-1])
    cancel, _ = await generated(bot_service, ann)
    [step] = [m for m in ann.messages() if cancel in data_of(m)]
    before = len(ann.messages())

    first = await ann.answer_to(await ann.press(data=cancel, message=step))
    assert first["text"] == text("en", "note_stale")
    shown = await bot_service.emulator.ctl.wait_for(
        ann.user, lambda m: str(m.get("text", "")).startswith(text("en", "note_stale"))
    )
    assert "⏳" not in shown["text"] and "Starting" not in shown["text"]
    assert data_of(shown) == menu  # the main menu: what is current
    second = await ann.answer_to(await ann.press(data=cancel, message=step))
    assert second["text"] == text("en", "note_stale_again")
    await trio.sleep(0.5)  # anything more that would come
    assert len(ann.messages()) == before + 1  # one answer with a screen, not two
    assert bot_service.failures() == []


async def test_again_pressed_twice_brings_back_the_same_order_check(
    bot_service: BotService,
) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await to_the_menu(ann)
    _, result = await generated(bot_service, ann)
    [again] = [d for d in data_of(result) if d.startswith("v1|ja|")]
    ctl = bot_service.emulator.ctl

    def order_checks() -> list[dict[str, object]]:
        return [m for m in ann.messages() if any(d.startswith("v1|ok|") for d in data_of(m))]

    checks = len(order_checks())
    await ann.answer_to(await ann.press(data=again, message=result))
    await ctl.wait_for(ann.user, lambda m: len(order_checks()) == checks + 1)
    await ann.answer_to(await ann.press(data=again, message=result))
    await ctl.wait_for(ann.user, lambda m: len(order_checks()) == checks + 2)
    first, second = order_checks()[-2:]
    assert second["text"] == first["text"]
    assert data_of(second) == data_of(first)  # the same screen: same order, same Start

    [start] = [d for d in data_of(second) if d.startswith("v1|ok|")]
    await ann.answer_to(await ann.press(data=start, message=second))
    repeat = await ann.answer_to(await ann.press(data=start, message=first))
    assert repeat["text"] in (
        text("en", "note_already_starting"),
        text("en", "note_order_finished"),
    )
    store = bot_service.tree.root.child("store")
    tenant = bot_service.settings.tenant_id
    with trio.fail_after(10):
        while len(await store.read(tenant, lambda tx: tx.jobs.for_user(ann.id))) < 2:
            await trio.sleep(0.05)
    await trio.sleep(0.5)
    assert len(await store.read(tenant, lambda tx: tx.jobs.for_user(ann.id))) == 2  # one more
    assert bot_service.failures() == []
