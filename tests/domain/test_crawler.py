"""A crawler: from /start, press every reachable button (and, where a step waits for typing
or a file, give it a valid one) through the pure handler, breadth first, to depth 8.

Every press must be answered first and then send or edit exactly one message; no update
may raise; every text, caption and callback_data must be within Telegram's limits.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import pytest

from trt_actors.catalog import MediaInput, NumberInput, TextInput, format_exact
from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall
from trt_actors.domain.updates import read

from .support import (
    Chat,
    buttons,
    callback_update,
    check_limits,
    context,
    current_input,
    journey,
    media_update,
    text_update,
    valid_text,
)

MAX_DEPTH = 8

Node = tuple[dict[str, Any], BotCall, int]


def _key(state: dict[str, Any]) -> str:
    return json.dumps(state, sort_keys=True, ensure_ascii=False)


def _typed(state: dict[str, Any], language: str, ctx: Context) -> list[dict[str, Any]]:
    """A valid typed answer when the state's wizard step waits for text, a number or a file."""
    chat = Chat(language, ctx=ctx, state=state)
    spec = current_input(chat)
    if isinstance(spec, TextInput):
        return [text_update(language, valid_text(spec))]
    if isinstance(spec, NumberInput):
        return [text_update(language, format_exact(spec.minimum))]
    if isinstance(spec, MediaInput):
        return [media_update(language, spec.media.value, f"crawl-{spec.name}")]
    return []


def crawl(language: str, ctx: Context) -> tuple[int, set[str]]:
    handler = journey()
    first = handler({}, read(text_update(language, "/start")), ctx)
    queue: deque[Node] = deque([(first.state, first.calls[-1], 0)])
    seen = {_key(first.state)}
    presses, data_seen = 0, set[str]()
    while queue:
        state, screen, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        updates = [callback_update(language, data) for data in buttons(screen).values()]
        data_seen.update(buttons(screen).values())
        updates += _typed(state, language, ctx)
        for update in updates:
            outcome = handler(state, read(update), ctx)
            check_limits(outcome.calls)
            methods = [call.method for call in outcome.calls]
            if "callback_query" in update:
                presses += 1
                assert methods[0] == "answerCallbackQuery", methods
                if methods[1:2] == ["sendInvoice"]:  # a Stars package: its invoice, then the screen
                    methods = [methods[0], *methods[2:]]
                assert methods[1:] in (["editMessageText"], ["sendMessage"]), methods
            else:
                assert methods == ["sendMessage"], methods
            key = _key(outcome.state)
            if key not in seen:
                seen.add(key)
                queue.append((outcome.state, outcome.calls[-1], depth + 1))
    return presses, data_seen


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(
    "money", [{"balance_kopecks": 0, "free_left_today": 0}, {"balance_kopecks": 10**7}]
)
def test_every_reachable_button_answers_and_shows_something(
    language: str, money: dict[str, int]
) -> None:
    presses, data = crawl(language, context(**money))
    assert presses > 2000  # the whole catalog's cards, first steps and more were pressed
    rich = money["balance_kopecks"] > 0
    assert any(d.startswith("v1|ok|") for d in data) is rich  # Confirm only with money
    assert any(d.startswith("v1|ed|") for d in data)  # confirmations were reached
    assert any(d.startswith("v1|en|") for d in data) and any(d.startswith("v1|tg|") for d in data)
