"""Two bots in webhook mode on PostgreSQL, in one process: each has its own webhook path and
secret at Telegram, each user is answered by the right bot, and the rows stay apart."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import trio

from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.testing.kit import running_bot
from trt_actors.testing.postgres import create_database
from trt_actors.testing.trt_process import free_port

TOKEN_A = EmulatorConfig().token
TOKEN_B = "7000000002:AAEmulatorSecondBotForTestsOnly_01234"


async def test_two_webhook_bots_on_postgres(
    postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = create_database(postgres_server, f"tenants_{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("BETA_SECRET", "beta-secret-2")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = tmp_path / "tenants.yaml"
    path.write_text(
        f"""
tenants:
  - id: alpha
    token: "{TOKEN_A}"
    mode: webhook
    webhook_secret: alpha-secret-1
    webhook_base_url: {base}
  - id: beta
    token: "{TOKEN_B}"
    mode: webhook
    webhook_secret_env: BETA_SECRET
    webhook_base_url: {base}
""",
        encoding="utf-8",
    )
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        emu.add_bot(TOKEN_B, username="beta_bot")
        async with running_bot(
            tmp_path, emulator=emu, trt_tenants=path, database_url=database, port=port
        ) as bot:
            for token, tenant, secret in (
                (TOKEN_A, "alpha", "alpha-secret-1"),
                (TOKEN_B, "beta", "beta-secret-2"),
            ):
                with trio.fail_after(10):  # each bot's setter registers its own webhook
                    while emu.bot(token).webhook is None:
                        await trio.sleep(0.05)
                state = emu.bot(token).webhook
                assert state is not None
                assert (state.url, state.secret_token) == (f"{base}/webhook/{tenant}", secret)
            ann = bot.user("Ann", language_code="en")
            ann_beta = bot.same_user(ann, bot=TOKEN_B)
            await ann.send("/start")
            await ann_beta.send("/start")
            assert "Hi, Ann" in (await ann.next_message())["text"]
            assert "Hi, Ann" in (await ann_beta.next_message())["text"]
            store = bot.tree.root.child("store")
            with trio.fail_after(10):  # each session replies first, then commits its user
                for tenant in ("alpha", "beta"):
                    while await store.read(tenant, lambda tx: tx.users.count()) != 1:
                        await trio.sleep(0.05)
            assert await store.read("gamma", lambda tx: tx.users.count()) == 0
