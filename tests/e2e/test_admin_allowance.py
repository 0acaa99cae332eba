"""A limited admin: their generations are free while the price fits the allowance the main
admin set, recorded at their price with nothing held; past it they pay like a user."""

from __future__ import annotations

from pathlib import Path

import trio

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import Currency
from trt_actors.testing.kit import Conversation, running_bot

from .test_generation_per_kind import confirm, data_of


async def test_a_limited_admin_spends_the_allowance_then_pays(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    main = telegram_emulator.ctl.user("Main", language_code="en")
    lim = telegram_emulator.ctl.user("Lim", language_code="en")
    terms = TenantSettings(
        admins=(main.id, lim.id), main_admin=main.id, admin_allowances=((lim.id, 1_000),)
    )
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        helper = Conversation(telegram_emulator, lim)
        await helper.send("/start")
        await helper.next_message()
        await helper.press("Skip")
        await helper.next_edit()
        screen = await confirm(helper, bot, "runway-t2v")
        assert "drawn on your admin allowance (0.40 ₽ left after)" in screen["text"], screen
        [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")]
        await helper.press_data(ok)
        await helper.next_edit()

        store = bot.tree.root.child("store")
        with trio.fail_after(10):  # the session commits the job right after its reply
            while not (jobs := await store.read("default", lambda tx: tx.jobs.for_user(lim.id))):
                await trio.sleep(0.05)
        [job] = jobs
        assert (job.price, job.hold_id) == (960, None)  # the allowance spent, nothing held
        account = await store.read("default", lambda tx: tx.ledger.account(lim.id, Currency.RUB))
        assert account.balance == 0 and account.held == 0

        with trio.fail_after(30):  # the video arrives (progress messages come and go)
            while not any("video" in m for m in helper.messages()):
                await trio.sleep(0.1)
        await helper.send("/menu")
        menu = await helper.next_message()
        while "Balance" not in str(menu.get("reply_markup")):
            menu = await helper.next_message()
        again = await confirm(helper, bot, "runway-t2v")
        assert "allowance" not in again["text"]  # 0.40 ₽ left: this one is paid
        assert not any(d.startswith("v1|ok|") for d in data_of(again))  # and there is no money
