"""The wizard with files, through the whole service and both emulators: a photo the user
sends fills a model's image input, the confirmation shows the catalog's price, and Confirm
starts a KIE task with that photo uploaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.money import money
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import CreditKind, Currency
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import running_bot

from ..domain.support import valid_text
from ..domain.test_every_model import expected_params
from .test_crawler import PHOTO

FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)


@pytest.mark.parametrize("model_id", ["qwen-image-edit", "seedream-4-edit", "kling-2-6-i2v"])
async def test_a_photo_fills_the_image_input_and_confirm_starts_the_task(
    model_id: str, tmp_path: Path
) -> None:
    catalog = load_catalog()
    model = catalog.model(model_id)
    tariff = catalog.default_tariff()
    quote = model.price(expected_params(model), tariff.rub_per_usd, tariff.markup)
    kopecks = int(quote.kopecks)  # type: ignore[union-attr]
    prompt = next(valid_text(spec) for spec in model.inputs if spec.name == "prompt")
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(tmp_path, emulator=emulator, limits=FAST) as service,
    ):
        ann = service.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        await ann.press(data="v1|ts")
        await ann.next_edit()
        store = service.tree.root.child("store")
        await store.run(
            service.settings.tenant_id,
            lambda tx: tx.ledger.credit(
                ann.id, 10_000_000, Currency.RUB, kind=CreditKind.ADMIN, key="c", actor="test"
            ),
        )
        menu = ann.messages()[-1]
        emulator.ctl.forge_callback(ann.user, menu["message_id"], f"v1|c|{model_id}")
        await ann.next_edit()
        await ann.press(data=f"v1|go|{model_id}")
        assert "photo" in (await ann.next_edit())["text"].lower()
        emulator.ctl.send_photo(ann.user, PHOTO, mime_type="image/png")
        step = await ann.next_message()
        done = [b["callback_data"] for row in step["reply_markup"]["inline_keyboard"] for b in row]
        if not any(d.startswith("v1|dn|") for d in done):
            assert "Prompt" in step["text"] or "prompt" in step["text"]
        else:  # several photos allowed: Done after the first
            await ann.press(data=next(d for d in done if d.startswith("v1|dn|")))
            await ann.next_edit()
        await ann.send(prompt)
        await ann.next_message()  # the settings
        await ann.press(data="v1|nx|1")
        confirmation = await ann.next_edit()
        assert f"Price: {money(kopecks, 'en')}" in confirmation["text"]
        await ann.press(data="v1|ok|1")
        assert "Starting" in (await ann.next_edit())["text"]
        with trio.fail_after(20):
            while not service.kie.ctl.tasks():
                await trio.sleep(0.05)
        [task] = service.kie.ctl.tasks()
        assert task.body["input"]["prompt"] == prompt
        sent = task.body["input"].get("image_url") or task.body["input"]["image_urls"][0]
        [(name, data)] = service.kie.ctl.uploads()  # the user's photo, uploaded to KIE
        assert sent.endswith(name.rsplit("/", 1)[-1]) and data == PHOTO
        assert service.failures() == []
    emulator.assert_no_violations()
