"""Which raw updates the bot can read (`domain.update_shape`, the webhook's 400 rule), and
reading any shape without raising (`domain.updates.read`)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trt_actors.domain.update_shape import INT64_MAX, UPDATE_KINDS, problem_of
from trt_actors.domain.updates import Kind, read, user_of
from trt_actors.emulators.telegram import ApiSpec
from trt_actors.testing.update_strategies import (
    Expect,
    FuzzCase,
    FuzzWorld,
    Person,
    fuzz_cases,
    json_values,
)

from .support import callback_update, context, journey

ANN = Person(
    {"id": 4242, "is_bot": False, "first_name": "Ann", "language_code": "en"},
    {"id": 4242, "type": "private", "first_name": "Ann"},
)
QUIET = Person({"id": 4343, "is_bot": False, "first_name": "Q"}, {"id": 4343, "type": "private"})
MENU = {"message_id": 3, "date": 1, "chat": dict(ANN.chat), "text": "Menu"}
WORLD = FuzzWorld(
    talkers=[ANN],
    quiet=[QUIET],
    group={"id": -1001, "type": "supergroup", "title": "G"},
    pressable=[(ANN, MENU)],
    button_data=["v1|m", "v1|c|z-image", "v1|l|text_to_image|0"],
    bot_username="trt_bot",
)


def test_the_update_kinds_are_those_of_the_bot_api() -> None:
    fields = ApiSpec.load().types["Update"].fields or {}
    assert set(fields) - {"update_id"} == UPDATE_KINDS


def message(**fields: Any) -> dict[str, Any]:
    body = {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "hi"}
    return {"update_id": 10, "message": {**body, **fields}}


@pytest.mark.parametrize(
    ("update", "problem"),
    [
        ([], "the update is not an object"),
        ({"update_id": "10"}, "update_id is missing or not an integer"),
        ({"update_id": True}, "update_id is missing or not an integer"),
        ({"update_id": -1}, "update_id is negative or over 2**63 - 1"),
        ({"update_id": INT64_MAX + 1}, "update_id is negative or over 2**63 - 1"),
        ({"update_id": 1, "channel_post": "x"}, "channel_post is not an object"),
        ({**message(), "poll": {}}, "more than one update kind: message, poll"),
        (message(chat=[5]), "message.chat is not an object"),
        (message(chat={"type": "private"}), "message.chat.id is missing"),
        (message(chat={"id": 2**63}), "message.chat.id is out of the 64-bit range"),
        (message(text=5), "message.text is not a string"),
        (message(**{"from": {"id": "5", "first_name": "A"}}), "message.from.id is not an integer"),
        (message(**{"from": {"id": 5}}), "message.from.first_name is missing"),
        (message(photo=[{}, "x"]), "message.photo has an item not an object"),
        (message(document=[]), "message.document is not an object"),
        (  # a press with no message (inline) and an unknown field beside it
            {"update_id": 1, "callback_query": {"id": "q", "from": {"id": 5, "first_name": "A"}}}
            | {"x_unknown": 1},
            None,
        ),
        (
            {"update_id": 1, "callback_query": {"id": 7, "from": {"id": 5, "first_name": "A"}}},
            "callback_query.id is not a string",
        ),
        (
            {
                "update_id": 1,
                "pre_checkout_query": {"id": "q", "from": {"id": 5, "first_name": "A"}},
            },
            "pre_checkout_query.currency is missing",
        ),
        ({"update_id": 0}, None),  # nothing but its id: read as nothing, ignored
        ({"update_id": 1, "x_future_kind": 5}, None),  # a kind of a later Bot API
        (message(date="yesterday", entities="x", x_new={"a": [1]}), None),  # not read by the bot
    ],
)
def test_what_makes_an_update_unreadable(update: Any, problem: str | None) -> None:
    assert problem_of(update) == problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzz_cases(WORLD))
def test_the_drawn_cases_are_refused_exactly_when_the_rule_says(case: FuzzCase) -> None:
    """The fuzzer's families (its own table of what the bot reads, from the spec's types)
    against the webhook's check; the parser's refusals for what is not JSON."""
    try:
        update = orjson.loads(case.body(123))
    except orjson.JSONDecodeError:
        assert case.expect is Expect.REFUSED, case.family
        return
    assert (problem_of(update) is not None) == (case.expect is Expect.REFUSED), case.family


_READ_FIELDS = st.sampled_from(
    ["from", "chat", "id", "message_id", "text", "caption", "data", "message", "first_name"]
)


def _shapes() -> st.SearchStrategy[Any]:
    """Objects whose keys are the ones the reader looks for, holding anything."""
    return st.recursive(
        json_values(4),
        lambda inner: st.dictionaries(_READ_FIELDS, inner, max_size=5),
        max_leaves=12,
    )


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["update_id", *sorted(UPDATE_KINDS)]), _shapes(), max_size=3)
)
def test_reading_never_raises_whatever_the_shape(update: dict[str, Any]) -> None:
    """The webhook refuses these, but an update may reach a session another way (polling,
    rows stored before the check): a part of the wrong type reads as absent."""
    incoming = read(update)
    assert incoming.chat_id is None or type(incoming.chat_id) is int
    assert incoming.message_id is None or type(incoming.message_id) is int
    assert isinstance(incoming.text, str) and isinstance(incoming.callback_data, str)
    if incoming.user is not None:
        assert type(incoming.user.user_id) is int and abs(incoming.user.user_id) <= INT64_MAX + 1
        assert all(
            value is None or isinstance(value, str)
            for value in (incoming.user.username, incoming.user.language_code)
        )
    assert type(user_of(update)) is int


def test_a_press_on_an_inaccessible_message_sends_the_screen_anew() -> None:
    """Telegram sends a press on a deleted (or too old) message with `date` 0 and nothing
    else: there is nothing to edit, so the screen comes as a new message."""
    update = callback_update("en", "v1|m", message_id=55)
    update["callback_query"]["message"] = {
        "chat": {"id": 4242, "type": "private"},
        "message_id": 55,
        "date": 0,
    }
    incoming = read(update)
    assert incoming.kind is Kind.CALLBACK
    outcome = journey()({}, incoming, context())
    assert [call.method for call in outcome.calls] == ["answerCallbackQuery", "sendMessage"]
