"""Every request is validated against the spec; each problem is answered and recorded."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)

from .conftest import Api


@pytest.fixture
async def chat_id(emu: TelegramEmulator) -> int:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "hi")
    return user.id


async def _rejected(api: Api, method: str, **kwargs: Any) -> str:
    response = await api.raw(method, **kwargs)
    body = response.json()
    assert response.status_code == 400 and body["ok"] is False and body["error_code"] == 400, body
    description: str = body["description"]
    assert description.startswith("Bad Request: ")
    return description


async def test_unknown_method_is_404_and_recorded(emu: TelegramEmulator, api: Api) -> None:
    response = await api.raw("sendTelepathy", json={})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [(v.method, v.kind) for v in emu.violations] == [("sendTelepathy", "unknown_method")]


async def test_unknown_and_missing_parameters(
    emu: TelegramEmulator, api: Api, chat_id: int
) -> None:
    unknown = await _rejected(
        api, "sendMessage", json={"chat_id": chat_id, "text": "x", "colour": 1}
    )
    assert unknown == 'Bad Request: unknown parameter "colour"'
    missing = await _rejected(api, "sendMessage", json={"chat_id": chat_id})
    assert missing == 'Bad Request: parameter "text" is required'
    assert [v.kind for v in emu.violations] == ["unknown_parameter", "missing_parameter"]


@pytest.mark.parametrize(
    "case",
    [
        ("deleteMessage", {"message_id": "abc"}, "message_id"),  # Integer
        ("sendMessage", {"text": "x", "disable_notification": "yes"}, "disable_notification"),
        ("sendLocation", {"latitude": "north", "longitude": 1.5}, "latitude"),  # Float
        ("sendMessage", {"text": 5}, "text"),  # String
        ("getUpdates", {"allowed_updates": 5}, "allowed_updates"),  # Array
        ("sendPhoto", {"photo": 123}, "photo"),  # InputFile or String
        ("sendMessage", {"text": "x", "chat_id": 1.5}, "chat_id"),  # Integer or String
        (
            "sendMessage",
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": 1, "callback_data": "a"}]]},
            },
            "reply_markup.inline_keyboard[0][0].text",
        ),
        (
            "sendMessage",
            {"text": "x", "reply_markup": {"inline_keyboard": "nope"}},
            "reply_markup.inline_keyboard",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "a", "description": 1}]},
            "commands[0].description",
        ),
    ],
)
async def test_wrong_types_in_json(
    emu: TelegramEmulator, api: Api, chat_id: int, case: tuple[str, dict[str, Any], str]
) -> None:
    method, params, path = case
    takes_chat = method not in ("getUpdates", "setMyCommands")
    body = {"chat_id": chat_id, **params} if takes_chat else params
    description = await _rejected(api, method, json=body)
    assert f"{path} must be" in description
    assert [(v.kind, v.path) for v in emu.violations] == [("wrong_type", path)]


async def test_wrong_types_in_form_bodies(emu: TelegramEmulator, api: Api, chat_id: int) -> None:
    await _rejected(api, "deleteMessage", data={"chat_id": str(chat_id), "message_id": "1.5"})
    await _rejected(
        api, "sendMessage", data={"chat_id": str(chat_id), "text": "x", "protect_content": "maybe"}
    )
    bad_json = await _rejected(
        api, "sendMessage", data={"chat_id": str(chat_id), "text": "x", "reply_markup": "{"}
    )
    assert bad_json == "Bad Request: can't parse reply_markup JSON object"
    nested = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b", "extra": 1}]]})
    unknown_field = await _rejected(
        api, "sendMessage", data={"chat_id": str(chat_id), "text": "x", "reply_markup": nested}
    )
    assert 'unknown field "extra"' in unknown_field
    ok = await api.raw(
        "sendMessage", data={"chat_id": str(chat_id), "text": "x", "disable_notification": "true"}
    )
    assert ok.json()["ok"] is True
    assert len(emu.violations) == 4


async def test_union_and_discriminated_objects(
    emu: TelegramEmulator, api: Api, chat_id: int
) -> None:
    scope = await _rejected(api, "setMyCommands", json={"commands": [], "scope": {"type": "chat"}})
    assert 'field "chat_id" is required' in scope
    unknown_scope = await _rejected(
        api, "setMyCommands", json={"commands": [], "scope": {"type": "x"}}
    )
    assert 'unsupported type "x"' in unknown_scope
    media = [{"type": "photo", "media": "a"}, {"type": "sticker", "media": "b"}]
    mixed = await _rejected(api, "sendMediaGroup", json={"chat_id": chat_id, "media": media})
    assert "media[1]" in mixed


async def test_text_and_caption_lengths_after_entity_parsing(
    emu: TelegramEmulator, api: Api, chat_id: int
) -> None:
    plain_4096 = "a" * 4096
    html_4096 = "<b>" + "a" * 4096 + "</b>"
    assert (await api.ok("sendMessage", chat_id=chat_id, text=plain_4096))["text"] == plain_4096
    assert await api.ok("sendMessage", chat_id=chat_id, text=html_4096, parse_mode="HTML")
    too_long = await _rejected(api, "sendMessage", json={"chat_id": chat_id, "text": "a" * 4097})
    assert too_long == "Bad Request: message is too long"
    empty = await _rejected(
        api, "sendMessage", json={"chat_id": chat_id, "text": "<b> </b>", "parse_mode": "HTML"}
    )
    assert empty == "Bad Request: message text is empty"
    caption = await _rejected(
        api,
        "sendPhoto",
        json={"chat_id": chat_id, "photo": "https://x.y/p.jpg", "caption": "c" * 1025},
    )
    assert caption == "Bad Request: message caption is too long"
    assert [v.kind for v in emu.violations] == ["too_long", "invalid_value", "too_long"]


async def test_entity_parse_errors(emu: TelegramEmulator, api: Api, chat_id: int) -> None:
    md = await _rejected(
        api,
        "sendMessage",
        json={"chat_id": chat_id, "text": "Price: 5.", "parse_mode": "MarkdownV2"},
    )
    assert md.startswith("Bad Request: can't parse entities: Character '.' is reserved")
    html = await _rejected(
        api, "sendMessage", json={"chat_id": chat_id, "text": "a<br>b", "parse_mode": "HTML"}
    )
    assert 'Unsupported start tag "br"' in html
    bare = await _rejected(  # a "<" that is not a tag: Telegram refuses it too
        api, "sendMessage", json={"chat_id": chat_id, "text": "1 < 2", "parse_mode": "HTML"}
    )
    assert bare == ('Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2')
    caption = await _rejected(
        api,
        "sendPhoto",
        json={
            "chat_id": chat_id,
            "photo": "https://x.y/p.jpg",
            "caption": "<b>bold <i>both</b></i>",
            "parse_mode": "HTML",
        },
    )
    assert caption.startswith("Bad Request: can't parse entities: Unmatched end tag")
    mode = await _rejected(
        api, "sendMessage", json={"chat_id": chat_id, "text": "a", "parse_mode": "RTF"}
    )
    assert mode == "Bad Request: unsupported parse_mode"
    assert [v.kind for v in emu.violations] == [
        *("bad_entities", "bad_entities", "bad_entities", "bad_entities"),
        "invalid_value",
    ]


async def test_inline_button_rules(emu: TelegramEmulator, api: Api, chat_id: int) -> None:
    def markup(button: dict[str, Any]) -> dict[str, Any]:
        return {"chat_id": chat_id, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}}

    fits = "ж" * 32  # 64 bytes in UTF-8
    assert await api.ok("sendMessage", **markup({"text": "ok", "callback_data": fits}))
    too_long = await _rejected(
        api, "sendMessage", json=markup({"text": "b", "callback_data": "ж" * 33})
    )
    assert too_long == "Bad Request: BUTTON_DATA_INVALID"
    no_action = await _rejected(api, "sendMessage", json=markup({"text": "b"}))
    assert "Text buttons are unallowed in the inline keyboard" in no_action
    assert [v.kind for v in emu.violations] == ["too_long", "invalid_value"]


async def test_bad_bodies(emu: TelegramEmulator, api: Api) -> None:
    broken = await _rejected(
        api, "getMe", content=b"{", headers={"content-type": "application/json"}
    )
    assert broken == "Bad Request: can't parse JSON body"
    odd = await _rejected(api, "getMe", content=b"x", headers={"content-type": "text/csv"})
    assert odd == "Bad Request: unsupported Content-Type text/csv"
    assert [v.kind for v in emu.violations] == ["bad_body", "bad_body"]


async def test_other_prose_limits(emu: TelegramEmulator, api: Api, chat_id: int) -> None:
    action = await _rejected(api, "sendChatAction", json={"chat_id": chat_id, "action": "dancing"})
    assert action == "Bad Request: wrong parameter action in request"
    secret = await _rejected(
        api, "setWebhook", json={"url": "https://a.b/h", "secret_token": "no spaces"}
    )
    assert secret == "Bad Request: secret token contains unallowed characters"
    answer = await _rejected(
        api, "answerCallbackQuery", json={"callback_query_id": "1", "text": "t" * 201}
    )
    assert answer == "Bad Request: MESSAGE_TOO_LONG"


async def test_query_string_parameters_and_get(
    emu: TelegramEmulator, api: Api, chat_id: int
) -> None:
    got = await api.client.get(f"{api.base}/sendMessage", params={"chat_id": chat_id, "text": "q"})
    assert got.json()["result"]["text"] == "q"
    emu.assert_no_violations()


async def test_unknown_parameters_can_be_allowed() -> None:
    config = EmulatorConfig(reject_unknown_parameters=False, rate_limits=RateLimits.relaxed())
    async with open_telegram_emulator(config) as emu, httpx.AsyncClient(timeout=5) as client:
        response = await client.post(f"{emu.base_url}/bot{config.token}/getMe", json={"x": 1})
        assert response.json()["ok"] is True
        assert [v.kind for v in emu.violations] == ["unknown_parameter"]
        with pytest.raises(AssertionError, match="1 Bot API violation"):
            emu.assert_no_violations()
