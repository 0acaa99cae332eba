"""Files users send are size-checked before any byte is downloaded: a file Telegram says is
over the 20 MB a bot may download is refused at once with the limit, and nothing is fetched;
a file that says it is small (or says nothing) but is larger is cut off at the limit while
downloading, and its generation fails in plain words with nothing charged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.domain.media import MAX_FILE_BYTES
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import CreditKind, Currency, Store
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import BotService, Conversation, running_bot

from .test_crawler import PHOTO

MODEL = "qwen-image-edit"  # one image and a prompt
FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
BIG = PHOTO + bytes(MAX_FILE_BYTES + 1024 * 1024)  # a PNG's header, 21 MB in all


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[BotService]:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(tmp_path, emulator=emulator, limits=FAST) as running,
    ):
        yield running
        assert running.failures() == []  # nothing crashed on the way
    emulator.assert_no_violations()


async def at_the_photo_step(service: BotService) -> Conversation:
    ann = service.user("Ann", language_code="en")
    await ann.send("/start")
    await ann.next_message()
    await ann.press(data="v1|ts")
    await ann.next_edit()
    store: Store = service.tree.root.child("store")
    await store.run(
        service.settings.tenant_id,
        lambda tx: tx.ledger.credit(
            ann.id, 1_000_000, Currency.RUB, kind=CreditKind.ADMIN, key="c", actor="test"
        ),
    )
    menu = ann.messages()[-1]
    service.emulator.ctl.forge_callback(ann.user, menu["message_id"], f"v1|c|{MODEL}")
    await ann.next_edit()
    await ann.press(data=f"v1|go|{MODEL}")
    assert "photo" in (await ann.next_edit())["text"].lower()
    return ann


def calls_of(service: BotService, method: str) -> list[Any]:
    return [call for call in service.emulator.calls if call.method == method]


async def available(service: BotService, user_id: int) -> int:
    store: Store = service.tree.root.child("store")
    account = await store.read(
        service.settings.tenant_id, lambda tx: tx.ledger.account(user_id, Currency.RUB)
    )
    return account.available


async def test_a_file_over_the_limit_is_refused_with_the_limit_and_nothing_is_downloaded(
    service: BotService,
) -> None:
    ann = await at_the_photo_step(service)
    ctl = service.emulator.ctl
    ctl.send_document(ann.user, BIG, file_name="huge.png", mime_type="image/png")
    refused = await ann.next_message()
    assert "up to 20 MB" in refused["text"]
    assert "photo" in refused["text"].lower()  # the step still asks for its photo
    ctl.send_photo(ann.user, PHOTO, mime_type="image/png")  # a right one still fills the step
    assert "Prompt" in (await ann.next_message())["text"]
    assert calls_of(service, "getFile") == []  # not even asked for
    assert ctl.downloads() == []


@pytest.mark.parametrize("declared", [1024, None], ids=["says-1-KB", "says-nothing"])
async def test_a_file_larger_than_it_says_is_cut_off_at_the_limit_and_nothing_charged(
    service: BotService, declared: int | None
) -> None:
    ann = await at_the_photo_step(service)
    before = await available(service, ann.id)
    service.emulator.ctl.send_document(
        ann.user, BIG, file_name="huge.png", mime_type="image/png", declared_size=declared
    )
    step = await ann.next_message()
    assert "Prompt" in step["text"]  # taken: nothing said it was too big
    await ann.send("make the sky purple")
    await ann.next_message()  # the settings
    await ann.press(data="v1|nx|1")
    await ann.next_edit()
    await ann.press(data="v1|ok|1")
    assert "Starting" in (await ann.next_edit())["text"]
    failed = await service.emulator.ctl.wait_for(
        ann.user, lambda m: "over the 20 MB" in (m.get("text") or ""), timeout=30
    )
    assert "nothing was charged" in failed["text"]
    assert len(service.emulator.ctl.downloads()) == 1  # tried once: a final failure
    assert service.kie.ctl.uploads() == [] and service.kie.ctl.tasks() == []
    with trio.fail_after(10):  # the hold is released when the job ends
        while await available(service, ann.id) != before:
            await trio.sleep(0.05)
