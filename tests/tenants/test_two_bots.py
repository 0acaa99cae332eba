"""Two bots in one process on one database: each user is answered by the right bot, data never
crosses tenants, an admin of one bot has no power in the other, and a bot whose token Telegram
revokes is parked and reported while the other keeps serving."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall, Handler, Outcome
from trt_actors.domain.updates import Incoming, Kind
from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.observability.events import EventKind, current_bus
from trt_actors.storage import Currency, Store, Tx
from trt_actors.supervisors import Backoff
from trt_actors.tenants import live_terms as terms_module
from trt_actors.testing.basic_bot import BasicBot
from trt_actors.testing.kit import BotService, Conversation, running_bot

TOKEN_A = EmulatorConfig().token
TOKEN_B = "7000000002:AAEmulatorSecondBotForTestsOnly_01234"


@asynccontextmanager
async def two_bots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handler: Handler | None = None
) -> AsyncIterator[tuple[BotService, Conversation]]:
    """Bots `alpha` (Ann is its admin) and `beta` (free quota 2) in one process."""
    monkeypatch.setenv("BETA_BOT_TOKEN", TOKEN_B)
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        emu.add_bot(TOKEN_B, username="beta_bot", first_name="Beta")
        ann = emu.ctl.user("Ann", language_code="en")
        path = tmp_path / "tenants.yaml"
        path.write_text(
            f"""
tenants:
  - id: alpha
    token: "{TOKEN_A}"
    admins: [{ann.id}]
  - id: beta
    token_env: BETA_BOT_TOKEN
    admins: [1]
    settings: {{free_per_day: 2}}
""",
            encoding="utf-8",
        )
        async with running_bot(tmp_path, emulator=emu, handler=handler, trt_tenants=path) as bot:
            yield bot, Conversation(emu, ann, emu.ctl)


async def generate(user: Conversation, prompt: str) -> None:
    """A free Z-Image generation through the menus."""
    await user.send("/start")
    await user.next_message()
    await user.press("Skip")
    await user.next_edit()
    await user.press("🎨 Text to image")
    await user.next_edit()
    await user.press("🎁 Z-Image · from 0.64 ₽")  # a free model, marked
    await user.next_edit()
    await user.press("▶ Start")
    await user.next_edit()
    await user.send(prompt)
    await user.next_message()
    await user.press("Continue ▶")
    await user.next_edit()
    await user.press("✅ Start for free")
    assert "Starting Z-Image" in (await user.next_edit())["text"]


def job_ids(tx: Tx, user_id: int) -> list[int]:
    return [job.id for job in tx.jobs.for_user(user_id)]


async def committed_jobs(store: Store, tenant: str, user_id: int) -> list[int]:
    """The user's jobs once the session committed the last one (it replies first)."""
    with trio.fail_after(10):
        while not (jobs := await store.read(tenant, lambda tx: job_ids(tx, user_id))):
            await trio.sleep(0.05)
    return jobs


async def test_each_bot_answers_its_users_and_data_stays_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_bots(tmp_path, monkeypatch) as (bot, _):
        store = bot.tree.root.child("store")
        alpha = bot.user("Bob", language_code="en")
        beta = bot.same_user(alpha, bot=TOKEN_B)  # the same Telegram user, the other bot
        await alpha.send("/start")
        await beta.send("/start")
        assert "Hi, Bob" in (await alpha.next_message())["text"]
        assert "Hi, Bob" in (await beta.next_message())["text"]
        assert len(alpha.messages()) == 1 and len(beta.messages()) == 1  # one answer each

        with trio.fail_after(10):  # the session replies first, then commits the new user
            while not await store.read("alpha", lambda tx: tx.users.exists(alpha.id)):
                await trio.sleep(0.05)
        await store.run(
            "alpha",
            lambda tx: tx.ledger.credit(
                alpha.id, 12_345, Currency.RUB, kind="admin", key="t-1", actor="test"
            ),
        )
        await alpha.send("/balance")
        await beta.send("/balance")
        alpha_balance = (await alpha.next_message())["text"]
        beta_balance = (await beta.next_message())["text"]
        assert "123.45 ₽" in alpha_balance and "of 5" in alpha_balance
        assert "Balance: 0 ₽" in beta_balance and "of 2" in beta_balance  # beta's own terms

        await generate(alpha, "a fox")
        assert len(await committed_jobs(store, "alpha", alpha.id)) == 1
        assert await store.read("beta", lambda tx: job_ids(tx, alpha.id)) == []
        versions = [
            await store.read(tenant, lambda tx: tx.sessions.load(alpha.id).version)
            for tenant in ("alpha", "beta")
        ]
        assert versions[0] > versions[1] > 0  # two sessions of one person, each its own


class TermsEcho(BasicBot):
    """Answers "terms?" with what the session's context says of this user and bot."""

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        if incoming.kind is Kind.TEXT and incoming.text == "terms?":
            text = f"admin={context.is_admin} free={context.free_per_day}"
            call = BotCall("sendMessage", {"chat_id": incoming.chat_id, "text": text})
            return Outcome(dict(state), [call])
        return super().__call__(state, incoming, context)


async def test_an_admin_of_one_bot_is_not_an_admin_of_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_bots(tmp_path, monkeypatch, TermsEcho()) as (bot, ann_alpha):
        ann_beta = bot.same_user(ann_alpha, bot=TOKEN_B)
        bob_alpha = bot.user("Bob", language_code="en")
        await ann_alpha.send("terms?")
        await ann_beta.send("terms?")
        await bob_alpha.send("terms?")
        assert (await ann_alpha.next_message())["text"] == "admin=True free=5"
        assert (await ann_beta.next_message())["text"] == "admin=False free=2"
        assert (await bob_alpha.next_message())["text"] == "admin=False free=5"


async def wait_until(condition: object, timeout: float = 10.0) -> None:
    with trio.fail_after(timeout):
        while not condition():  # type: ignore[operator]
            await trio.sleep(0.05)


async def test_a_revoked_token_parks_that_bot_and_the_other_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_bots(tmp_path, monkeypatch) as (bot, _):
        beta_node = bot.tree.nodes["beta"]
        beta_node.recheck = Backoff(initial=0.5, maximum=0.5, factor=1.0, jitter=0.0)
        alpha = bot.user("Bob", language_code="en")
        beta = bot.same_user(alpha, bot=TOKEN_B)
        await beta.send("/start")
        await beta.next_message()

        bot.emulator.revoke_token(TOKEN_B)  # Telegram now answers 401 to every beta call
        await wait_until(lambda: beta_node.health.state == "parked")
        readiness = bot.tree.readiness()
        assert readiness["ready"] is True  # alpha serves: the instance stays in rotation
        failure = readiness["tenant_failures"]["beta"]
        assert failure["reason"].startswith("token_rejected: Telegram answered 401 to getUpdates")
        assert "alpha" not in readiness["tenant_failures"]
        parked = [e for e in current_bus.get().recent() if e.kind is EventKind.PARKED]
        assert parked and parked[-1].child == "tenant:beta"
        metrics = (await bot.tree.render_metrics()).decode()
        assert 'trt_tenant_up{tenant="beta"} 0.0' in metrics
        assert 'trt_tenant_up{tenant="alpha"} 1.0' in metrics

        await trio.sleep(2.0)  # four checks later: still parked, never restarted in a loop
        assert beta_node.health.state == "parked" and beta_node.health.parked_times == 1
        assert bot.tree.tenant_subtree("beta").child("intake") is None

        await alpha.send("/start")  # the other bot never noticed
        assert "Hi, Bob" in (await alpha.next_message())["text"]

        bot.emulator.revoke_token(TOKEN_B, revoked=False)  # a new token is in place: resumes
        await wait_until(lambda: beta_node.health.state == "serving")
        await beta.send("/help")
        assert "What the bot does" in (await beta.next_message())["text"]
        assert bot.tree.readiness()["tenant_failures"] == {}


async def test_a_bot_whose_node_crashes_restarts_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_bots(tmp_path, monkeypatch) as (bot, _):
        alpha = bot.user("Bob", language_code="en")
        beta = bot.same_user(alpha, bot=TOKEN_B)
        await beta.send("/start")
        await beta.next_message()
        beta_tree = bot.tree.tenant_subtree("beta")
        beta_sessions = beta_tree.child("sessions")

        tenants = bot.tree.root.child("tenants")
        assert tenants.kill("tenant:alpha")  # alpha's node dies (not a parked token: a crash)
        await wait_until(lambda: bot.tree.tenant_subtree("alpha") is not None)
        await wait_until(lambda: bot.tree.tenant_subtree("alpha").child("intake") is not None)
        assert bot.tree.tenant_subtree("beta") is beta_tree  # never restarted
        assert beta_tree.child("sessions") is beta_sessions
        await alpha.send("/start")  # the restarted bot serves again
        assert "Hi, Bob" in (await alpha.next_message())["text"]
        await beta.send("/help")  # and the other one went on all along
        assert "What the bot does" in (await beta.next_message())["text"]
        restarted = [e.child for e in current_bus.get().recent() if e.kind is EventKind.RESTARTING]
        assert "tenant:alpha" in restarted and "tenant:beta" not in restarted


async def test_overrides_change_what_sessions_see_without_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terms_module, "REFRESH_EVERY", 0.2)
    async with two_bots(tmp_path, monkeypatch, TermsEcho()) as (bot, ann):
        store = bot.tree.root.child("store")
        bob = bot.user("Bob", language_code="en", bot=TOKEN_B)
        await ann.send("terms?")
        assert (await ann.next_message())["text"] == "admin=True free=5"

        # An admin's change through this process: current at once, stored, audited.
        await bot.tree.terms["alpha"].update("free_per_day", "7", admin_id=ann.id)
        await ann.send("terms?")
        assert (await ann.next_message())["text"] == "admin=True free=7"
        [entry] = await store.read("alpha", lambda tx: tx.audit.recent())
        assert (entry.actor_id, entry.action, entry.target) == (
            ann.id,
            "settings.update",
            "free_per_day",
        )
        assert entry.details == {"old": None, "new": 7}
        assert await store.read("beta", lambda tx: tx.settings.all()) == {}  # alpha's alone

        # A row written by another instance: seen after the next periodic read.
        await store.run("beta", lambda tx: tx.settings.set("free_per_day", 9, updated_by=1))
        await trio.sleep(0.6)
        await bob.send("terms?")
        assert (await bob.next_message())["text"] == "admin=False free=9"
        await ann.send("terms?")
        assert (await ann.next_message())["text"] == "admin=True free=7"

        # Taking the override away brings back the configured value.
        await bot.tree.terms["alpha"].reset("free_per_day", admin_id=ann.id)
        await ann.send("terms?")
        assert (await ann.next_message())["text"] == "admin=True free=5"


async def test_the_main_admin_of_the_first_bot_sees_every_bot_in_the_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_bots(tmp_path, monkeypatch) as (bot, ann):
        bea = bot.user("Bea", bot=TOKEN_B)  # a user of the second bot
        await bea.send("/start")
        await bea.next_message()
        await ann.send("/admin")
        await ann.next_message()
        await ann.press("📊 Stats")
        stats = (await ann.next_edit())["text"]
        assert "All bots" in stats
        assert "• alpha: 1 /" in stats and "• beta: 1 /" in stats, stats
