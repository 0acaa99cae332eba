"""The control interface over HTTP (what a browser page or another process uses)."""

from __future__ import annotations

import base64

import trio

from trt_actors.emulators.telegram import TelegramEmulator

from .conftest import Api


async def _ok(api: Api, action: str, **body: object) -> object:
    response = await api.control(action, **body)
    data = response.json()
    assert response.status_code == 200 and data["ok"], data
    return data["result"]


async def test_a_whole_conversation_over_http(emu: TelegramEmulator, api: Api) -> None:
    user = await _ok(api, "users", first_name="Web", username="web_user")
    assert isinstance(user, dict)
    uid = user["id"]
    await _ok(api, "send_command", user_id=uid, command="start")
    photo = base64.b64encode(b"\xff\xd8jpeg").decode()
    await _ok(api, "send_photo", user_id=uid, data_base64=photo, caption="c")
    await _ok(api, "send_document", user_id=uid, data_base64=photo, file_name="d.jpg")
    updates = await api.ok("getUpdates")
    assert [u["message"].get("text") for u in updates] == ["/start", None, None]
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    menu = await api.ok("sendMessage", chat_id=uid, text="Sure?", reply_markup=markup)
    waited = await _ok(api, "next_message", chat_id=uid, timeout=1)
    assert isinstance(waited, dict) and waited["text"] == "Sure?"
    pressed = await _ok(
        api, "press_button", user_id=uid, message_id=menu["message_id"], label="Yes"
    )
    assert isinstance(pressed, dict) and pressed["callback_query_id"]
    messages = await _ok(api, "messages", chat_id=uid)
    assert isinstance(messages, list) and [m["from_bot"] for m in messages] == [
        False,
        False,
        False,
        True,
    ]
    await _ok(api, "block", user_id=uid)
    blocked = await api.call("sendMessage", chat_id=uid, text="x")
    assert blocked["error_code"] == 403
    await _ok(api, "unblock", user_id=uid)
    state = await _ok(api, "state")
    assert isinstance(state, dict) and state["violations"] == 0
    get = await api.client.get(f"{emu.base_url}/_control/messages", params={"chat_id": uid})
    assert len(get.json()["result"]) == 4


async def test_faults_violations_and_errors_over_http(emu: TelegramEmulator, api: Api) -> None:
    fault = await _ok(api, "faults", kind="flood", method="getMe", retry_after=9)
    assert isinstance(fault, dict) and fault["retry_after"] == 9
    assert (await api.raw("getMe")).status_code == 429
    await _ok(api, "faults", kind="server_error", times=None)
    assert len(await _ok(api, "faults")) == 1  # type: ignore[arg-type]
    await _ok(api, "clear_faults")
    await api.raw("sendMessage", json={})
    violations = await _ok(api, "violations")
    assert isinstance(violations, list) and len(violations) == 2
    await _ok(api, "clear_violations")
    assert emu.violations == []
    unknown = await api.control("teleport")
    assert unknown.status_code == 404
    bad = await api.control("send_text", user_id=1)
    assert bad.status_code == 400 and bad.json()["ok"] is False
    bad_kind = await api.control("faults", kind="meteor")
    assert bad_kind.status_code == 400
    timed_out = await api.control(
        "next_message", chat_id=(await _ok(api, "users"))["id"], timeout=0.1
    )  # type: ignore[index]
    assert timed_out.status_code in (400, 408)
    preflight = await api.client.options(f"{emu.base_url}/_control/users")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


async def test_pay_invoice_over_http(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    invoice = await api.ok(
        "sendInvoice",
        chat_id=user.id,
        title="t",
        description="d",
        payload="p",
        currency="XTR",
        prices=[{"label": "l", "amount": 5}],
    )
    results: list[object] = []

    async def pay() -> None:
        results.append(
            await _ok(
                api, "pay_invoice", user_id=user.id, message_id=invoice["message_id"], timeout=5
            )
        )

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)
        with trio.fail_after(5):
            while not emu.bot().pre_checkouts:
                await trio.sleep(0.01)
        query_id = next(iter(emu.bot().pre_checkouts))
        await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=True)
    assert isinstance(results[0], dict) and results[0]["status"] == "paid"
