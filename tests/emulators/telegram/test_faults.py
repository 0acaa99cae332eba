"""Fault injection: each kind, counts, scope, and clearing."""

from __future__ import annotations

import httpx
import pytest
import trio

from trt_actors.emulators.telegram import FaultKind, TelegramEmulator

from .conftest import Api


async def test_hang_never_answers(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.HANG, method="getMe")
    with pytest.raises(httpx.ReadTimeout):
        await api.client.post(f"{api.base}/getMe", timeout=0.3)
    assert (await api.call("getMe"))["ok"], "only the next call hangs"


async def test_slow_answers_after_the_delay(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.SLOW, method="getMe", delay=0.2)
    started = trio.current_time()
    assert (await api.call("getMe"))["ok"]
    assert trio.current_time() - started >= 0.2


async def test_server_error_flood_blocked_bad_request(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.SERVER_ERROR, method="getMe", status=502)
    emu.faults.inject(FaultKind.FLOOD, method="getMe", retry_after=7)
    emu.faults.inject(FaultKind.BLOCKED, method="getMe")
    emu.faults.inject(FaultKind.BAD_REQUEST, method="getMe", description="chat not found")
    first = await api.raw("getMe")
    assert first.status_code == 502 and first.json()["ok"] is False
    flood = await api.raw("getMe")
    assert flood.status_code == 429
    assert flood.json()["parameters"]["retry_after"] == 7
    blocked = await api.raw("getMe")
    assert blocked.status_code == 403
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"
    bad = await api.raw("getMe")
    assert (bad.status_code, bad.json()["description"]) == (400, "Bad Request: chat not found")
    assert (await api.raw("getMe")).status_code == 200
    emu.assert_no_violations()


async def test_drop_closes_the_connection(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.DROP)
    with pytest.raises(httpx.RemoteProtocolError):
        await api.raw("getMe")


async def test_counts_global_scope_precedence_and_clear(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.SERVER_ERROR, times=None)
    emu.faults.inject(FaultKind.BAD_REQUEST, method="getme", times=2)
    statuses = [(await api.raw("getMe")).status_code for _ in range(3)]
    assert statuses == [400, 400, 500], "method-specific first, then the global one"
    assert (await api.raw("getWebhookInfo")).status_code == 500
    emu.faults.clear()
    assert (await api.raw("getMe")).status_code == 200
    assert emu.faults.active == []
    with pytest.raises(ValueError, match="times"):
        emu.faults.inject(FaultKind.DROP, times=0)


async def test_faults_still_record_violations(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.SERVER_ERROR)
    response = await api.raw("sendMessage", json={"chat_id": 1})
    assert response.status_code == 500
    assert [v.kind for v in emu.violations] == ["missing_parameter"]


async def test_clear_one_method_keeps_the_others(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.inject(FaultKind.SERVER_ERROR, method="getMe", times=None)
    emu.faults.inject(FaultKind.SERVER_ERROR, method="getWebhookInfo", times=None)
    emu.faults.clear("GETME")
    assert (await api.raw("getMe")).status_code == 200
    assert (await api.raw("getWebhookInfo")).status_code == 500
    assert [f.method for f in emu.faults.active] == ["getWebhookInfo"]


async def test_malformed_answers_200_with_a_body_that_is_not_json(
    emu: TelegramEmulator, api: Api
) -> None:
    emu.faults.inject(FaultKind.MALFORMED, method="getMe")
    answer = await api.raw("getMe")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        answer.json()
    assert (await api.call("getMe"))["ok"], "only the next call is malformed"
