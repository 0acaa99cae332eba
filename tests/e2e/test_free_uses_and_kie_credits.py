"""Through the whole service against both emulators: free generations are reserved at
Confirm (twenty quick orders with five free uses left make exactly five free jobs, then paid
ones while the balance lasts, then the top-up offer), and KIE running out of credits pauses
generations (the user told nothing was charged, the admin alerted once, new orders refused
as temporarily unavailable) until the credits watcher sees the balance topped up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.callbacks import encode
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.journey import Journey
from trt_actors.domain.screens.jobs import PAUSED
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.kie import FaultKind
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import CreditKind, Currency, Job, Store
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import BotService, Conversation, running_bot

from .test_generation_per_kind import confirm, data_of

FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
TENANT = "default"
PRICE = 64  # z-image, kopecks, once the day's free generations are used


def store_of(service: BotService) -> Store:
    return service.tree.root.child("store")


async def credit(service: BotService, user_id: int, kopecks: int) -> None:
    await store_of(service).run(
        TENANT,
        lambda tx: tx.ledger.credit(
            user_id, kopecks, Currency.RUB, kind=CreditKind.ADMIN, key="e2e", actor="test"
        ),
    )


async def jobs_of(service: BotService, user_id: int) -> list[Job]:
    return await store_of(service).read(TENANT, lambda tx: tx.jobs.for_user(user_id, limit=50))


async def at_menu(ann: Conversation) -> None:
    """The main menu as the last message (progress messages of running jobs may come
    between)."""
    await ann.send("/menu")
    menu = await ann.next_message()
    while "Balance" not in str(menu.get("reply_markup")):
        menu = await ann.next_message()


async def started(ann: Conversation) -> None:
    await ann.send("/start")
    await ann.next_message()
    await ann.press("Skip")
    await ann.next_edit()


async def test_twenty_quick_orders_with_five_free_left_make_five_free_jobs_then_paid_ones(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    terms = TenantSettings(free_per_day=5)
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(tmp_path, emulator=emulator, limits=FAST, terms=terms) as service,
    ):
        # KIE takes the orders but answers none yet: no job is delivered (or fails)
        # while the orders are placed, so the quota is all the old check would have seen
        service.kie.ctl.inject(FaultKind.HANG, "market.submit", times=None)
        ann = service.user("Ann", language_code="en")
        await started(ann)
        await credit(service, ann.id, PRICE * 10)
        seen: list[str] = []
        for _ in range(20):
            await at_menu(ann)
            screen = await confirm(ann, service, "z-image")
            [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")] or [None]
            if ok is None:
                assert encode("u") in data_of(screen)  # refused with the top-up offer
                seen.append("top-up")
                continue
            seen.append(re.sub(r"\d+ free", "N free", screen["text"].split("\n\n")[-1]))
            if "Free" in screen["text"]:
                left = 4 - seen.count(seen[-1]) + 1  # what is left after this one
                assert text("en", "confirm_free", left=left) in screen["text"]
            await ann.press_data(ok)
            await ann.next_edit()  # "starting"
        free_line = text("en", "confirm_free", left=0).replace("0 free", "N free")
        assert seen[:5] == [free_line] * 5
        for line in seen[5:15]:  # the day's free ones are used up (reserved): priced
            assert "used up" in line and "Price: 0.64 ₽" in line, line
        assert seen[15:] == ["top-up"] * 5

        with trio.fail_after(10):  # the session commits each job right after its reply
            while len(jobs := await jobs_of(service, ann.id)) < 15:
                await trio.sleep(0.05)
        assert sorted(job.price for job in jobs) == [0] * 5 + [PRICE] * 10
        free_holds = await store_of(service).read(
            TENANT, lambda tx: [tx.free_holds.of_job(job.id) for job in jobs if job.price == 0]
        )
        assert [hold.status if hold else None for hold in free_holds] == ["held"] * 5
        account = await store_of(service).read(
            TENANT, lambda tx: tx.ledger.account(ann.id, Currency.RUB)
        )
        assert (account.balance, account.held) == (PRICE * 10, PRICE * 10)
        assert service.failures() == []
    emulator.assert_no_violations()


class ForcedFree(Journey):
    """The bot's journey, plus `/forcefree`: a free order the handler believes covered (as
    a confirmation read just before another order took the last free use would)."""

    def __call__(self, state: Any, incoming: Any, context: Any) -> Any:
        outcome = super().__call__(state, incoming, context)
        if incoming.command == "forcefree" and incoming.user is not None:
            outcome.effects.append(
                StartGeneration(
                    user_id=incoming.user.user_id,
                    chat_id=incoming.user.user_id,
                    model_id="z-image",
                    params={"prompt": "a fox"},
                    price_kopecks=PRICE,
                    free=True,
                    idempotency_key=f"forced-{incoming.update_id}",
                )
            )
        return outcome


async def test_a_free_order_storage_finds_no_free_use_for_is_not_started_nor_charged(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(
            tmp_path,
            emulator=emulator,
            limits=FAST,
            terms=TenantSettings(free_per_day=0),
            handler=ForcedFree(load_catalog()),
        ) as service,
    ):
        ann = service.user("Ann", language_code="en")
        await started(ann)
        await credit(service, ann.id, 10_000)
        await ann.send("/forcefree")
        told = await ann.ctl.wait_for(
            ann.user, lambda m: "was not started" in str(m.get("text")), timeout=10
        )
        assert told["text"] == text(
            "en", "job_not_started_free_gone", model="Z-Image", price="0.64 ₽"
        )
        assert encode("u") in data_of(told)  # the top-up offer
        assert await jobs_of(service, ann.id) == []
        account = await store_of(service).read(
            TENANT, lambda tx: tx.ledger.account(ann.id, Currency.RUB)
        )
        assert (account.balance, account.held) == (10_000, 0)
        assert service.failures() == []


async def test_kie_out_of_credits_pauses_generations_until_the_balance_is_topped_up(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with open_telegram_emulator(config) as emulator:
        boss = emulator.ctl.user("Boss", language_code="en")
        terms = TenantSettings(admins=(boss.id,), free_per_day=0)
        async with running_bot(tmp_path, emulator=emulator, limits=FAST, terms=terms) as service:
            pause = service.tree.kie_pauses[TENANT]
            pause.check_every = 0.3  # the watcher's period, shortened for the test
            admin = Conversation(emulator, boss)
            await started(admin)  # the admin's language is stored: the alert is in English
            ann = service.user("Ann", language_code="en")
            await started(ann)
            await credit(service, ann.id, 10_000)
            service.kie.ctl.set_credits(0)  # the KIE account is empty

            await at_menu(ann)
            screen = await confirm(ann, service, "z-image")
            [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")]
            await ann.press_data(ok)
            told = await ann.ctl.wait_for(
                ann.user, lambda m: str(m.get("text", "")).startswith("⏸"), timeout=10
            )
            assert told["text"] == text("en", "job_paused", model="Z-Image")
            [job] = await jobs_of(service, ann.id)
            assert job.error == PAUSED
            account = await store_of(service).read(
                TENANT, lambda tx: tx.ledger.account(ann.id, Currency.RUB)
            )
            assert (account.balance, account.held) == (10_000, 0)  # nothing charged
            assert pause.paused

            alert_start = text("en", "adm_credits_alert", since="", reason="", every=1)[:20]
            await admin.ctl.wait_for(
                boss, lambda m: str(m.get("text", "")).startswith(alert_start), timeout=10
            )

            await at_menu(ann)  # a new order while paused: temporarily unavailable
            screen = await confirm(ann, service, "z-image")
            assert text("en", "confirm_paused") in screen["text"]
            assert not any(d.startswith("v1|ok|") for d in data_of(screen))
            query = emulator.ctl.forge_callback(  # the Confirm of an order check seen before
                ann.user, screen["message_id"], encode("ok", draft_serial(screen))
            )
            answer = await ann.answer_to(query)
            assert answer.get("text") == text("en", "note_generation_paused")
            assert len(await jobs_of(service, ann.id)) == 1  # no new job, nothing held

            service.kie.ctl.set_credits(10_000)  # the operator topped up
            with trio.fail_after(10):
                while pause.paused:
                    await trio.sleep(0.05)
            await at_menu(ann)
            screen = await confirm(ann, service, "z-image")
            [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")]
            await ann.press_data(ok)
            await ann.ctl.wait_for(ann.user, lambda m: "photo" in m, timeout=15)
            alerts = [
                m
                for m in emulator.ctl.bot_messages(boss)
                if str(m.get("text", "")).startswith(alert_start)
            ]
            assert len(alerts) == 1  # one alert for the whole pause
            assert service.failures() == []
    emulator.assert_no_violations()


def draft_serial(screen: dict[str, Any]) -> int:
    """The draft serial the screen's Edit button carries."""
    [edit] = [d for d in data_of(screen) if d.startswith("v1|ed|")]
    return int(edit.rsplit("|", 1)[1])
