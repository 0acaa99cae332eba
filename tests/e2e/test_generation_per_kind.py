"""A whole generation per output kind (image, video, audio) through the real tree against
both emulators: from the model card to the result in the chat as the right media type, with
its progress message; History shows it; Again leads to the confirmation of the same
parameters; /status tells its state."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.callbacks import encode
from trt_actors.storage import CreditKind, Currency, Store
from trt_actors.testing.kit import BotService, Conversation

PROMPT = "a lighthouse at dawn"
CASES = [
    ("z-image", "photo"),  # free, the image kind
    ("kling-2-6-t2v", "video"),
    ("elevenlabs-tts", "audio"),
    ("suno-v5", "audio"),  # a dedicated API that requires a callBackUrl: polled here
]


def data_of(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def seed_money(service: BotService, user_id: int) -> None:
    store: Store = service.tree.root.child("store")
    tenant = service.tree.tenants[0].tenant_id
    await store.run(
        tenant,
        lambda tx: tx.ledger.credit(
            user_id, 1_000_000, Currency.RUB, kind=CreditKind.ADMIN, key="e2e", actor="test"
        ),
    )


async def open_card(ann: Conversation, kind: str, model_id: str) -> None:
    await ann.press_data(encode("l", kind, 0))
    page = await ann.next_edit()
    for number in range(1, 20):
        if encode("c", model_id) in data_of(page):
            break
        await ann.press_data(encode("l", kind, number))
        page = await ann.next_edit()
    await ann.press_data(encode("c", model_id))
    await ann.next_edit()


async def confirm(ann: Conversation, service: BotService, model_id: str) -> dict[str, Any]:
    """From the main menu to a confirmed generation of `model_id` with PROMPT."""
    kind = load_catalog().find(model_id).kind  # type: ignore[union-attr]
    await open_card(ann, kind, model_id)
    await ann.press_data(encode("go", model_id))
    await ann.next_edit()  # the prompt step
    await ann.send(PROMPT)
    screen = await ann.next_message()
    if not any(d.startswith("v1|ok|") for d in data_of(screen)):
        [go_on] = [d for d in data_of(screen) if d.startswith("v1|nx|")]
        await ann.press_data(go_on)
        screen = await ann.next_edit()
    assert PROMPT in screen["text"]
    return screen


@pytest.mark.parametrize(("model_id", "media"), CASES)
async def test_a_generation_of_each_kind_from_card_to_history_and_again(
    bot_service: BotService, model_id: str, media: str
) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await ann.send("/start")
    await ann.next_message()
    await ann.press("Skip")
    await ann.next_edit()
    await seed_money(bot_service, ann.id)
    confirmation = await confirm(ann, bot_service, model_id)
    [ok] = [d for d in data_of(confirmation) if d.startswith("v1|ok|")]
    await ann.press_data(ok)
    await ann.next_edit()  # "starting"

    results = []
    with trio.fail_after(40):
        while not results or "caption" not in results[-1]:  # several takes: the last has it
            message = await ann.next_message(timeout=40)
            if media in message:
                results.append(message)
            else:  # the progress message, with Cancel while it can
                assert any(d.startswith("v1|jc|") for d in data_of(message)), message
    result = results[-1]
    name = load_catalog().find(model_id).name  # type: ignore[union-attr]
    assert result["caption"].startswith(name) and PROMPT in result["caption"]
    again = next(d for d in data_of(result) if d.startswith("v1|ja|"))
    job_id = again.split("|")[2]
    done = await bot_service.emulator.ctl.wait_for(
        ann.user, lambda m: str(m.get("text", "")).startswith("✅"), timeout=10
    )
    assert name in done["text"]

    await ann.send("/history")
    history = await ann.next_message()
    assert encode("jo", job_id) in data_of(history)
    labels = [b["text"] for row in history["reply_markup"]["inline_keyboard"] for b in row]
    assert any(name in label and "delivered" in label for label in labels)

    await ann.send(f"/status {job_id}")
    assert "delivered" in (await ann.next_message())["text"]

    await ann.press_data(again, result)  # Again, under the result itself
    repeated = await ann.next_message()  # a new message: a caption is not edited into text
    assert repeated["text"].startswith(f"Confirm: {name}") or name in repeated["text"]
    assert PROMPT in repeated["text"]
    assert any(d.startswith("v1|ok|") for d in data_of(repeated))  # price checked again
    assert bot_service.emulator.ctl.unanswered_callbacks() == []


async def test_cancel_from_the_progress_message_releases_the_hold(
    bot_service: BotService,
) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await ann.send("/start")
    await ann.next_message()
    await ann.press("Skip")
    await ann.next_edit()
    await seed_money(bot_service, ann.id)
    bot_service.kie.ctl.set_schedule(waiting=1.0, generating=120.0)  # a long generation
    confirmation = await confirm(ann, bot_service, "kling-2-6-t2v")
    [ok] = [d for d in data_of(confirmation) if d.startswith("v1|ok|")]
    await ann.press_data(ok)
    await ann.next_edit()  # "starting"
    progress = await ann.next_message(timeout=20)
    [cancel] = [d for d in data_of(progress) if d.startswith("v1|jc|")]
    await ann.press_data(cancel, progress)
    with trio.fail_after(20):
        final = await bot_service.emulator.ctl.wait_for(
            ann.user,
            lambda m: (
                m["message_id"] == progress["message_id"] and "cancelled" in str(m.get("text", ""))
            ),
        )
    assert final["text"].startswith("✖️") and not data_of(final)
    notice = await bot_service.emulator.ctl.wait_for(
        ann.user, lambda m: "was cancelled" in str(m.get("text", "")), timeout=10
    )
    assert any(d.startswith("v1|ja|") for d in data_of(notice))  # Try again
    store: Store = bot_service.tree.root.child("store")
    tenant = bot_service.tree.tenants[0].tenant_id
    account = await store.read(tenant, lambda tx: tx.ledger.account(ann.id, Currency.RUB))
    assert (account.balance, account.held) == (1_000_000, 0)
    assert not [m for m in ann.messages() if "video" in m]
