"""A press's arguments decode to a typed value (`callbacks.Args`): what a button encodes comes
back equal, the data stays within Telegram's 64 bytes, and arguments that do not fit — text
where a number goes, too many or too few — give None (a stale press), never an exception."""

from __future__ import annotations

import dataclasses
import typing

from hypothesis import given
from hypothesis import strategies as st

from trt_actors.domain.admin.actions import BlockArgs
from trt_actors.domain.admin.facts import SetBlocked
from trt_actors.domain.callbacks import MAX_BYTES, Args, Press, decode, encode
from trt_actors.domain.job_lookups import JobArgs
from trt_actors.domain.journey import default_routes
from trt_actors.domain.wizard import OptionArgs

from .support import Chat, callback_update, context

ARG = st.from_regex(r"[A-Za-z0-9_.:\-]{1,12}", fullmatch=True)


def every_args() -> list[type[Args]]:
    default_routes()  # every area imported
    found: list[type[Args]] = []
    todo = list(Args.__subclasses__())
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return sorted(set(found), key=lambda kind: kind.__name__)


def values_for(kind: type[Args]) -> st.SearchStrategy[Args]:
    hints = typing.get_type_hints(kind)
    fields = [
        st.integers(0, 10**18 - 1) if hints[f.name] is int else ARG
        for f in dataclasses.fields(kind)  # type: ignore[arg-type]
    ]
    return st.tuples(*fields).map(lambda values: kind(*values))


def test_the_areas_use_typed_arguments() -> None:
    names = {kind.__name__ for kind in every_args()}
    assert {"JobArgs", "OptionArgs", "PaymentArgs", "StarsArgs", "TermArgs", "Page"} <= names


@given(st.data())
def test_what_a_button_encodes_decodes_to_the_same_typed_press(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(every_args()))
    args = data.draw(values_for(kind))
    encoded = encode("zz", *args.values())
    assert len(encoded.encode()) <= MAX_BYTES
    pressed = decode(encoded)
    assert pressed is not None and kind.parse(pressed) == args


@given(st.sampled_from(every_args()), st.lists(st.text(max_size=40), max_size=5))
def test_arguments_that_do_not_fit_give_none_never_an_exception(
    kind: type[Args], raw: list[str]
) -> None:
    parsed = kind.parse(Press("zz", tuple(raw)))
    assert parsed is None or isinstance(parsed, kind)


def test_text_where_a_number_goes_is_a_stale_press() -> None:
    assert JobArgs.parse(Press("jo", ("17",))) == JobArgs(17)
    assert JobArgs.parse(Press("jo", ("abc",))) is None
    assert JobArgs.parse(Press("jo", ())) is None
    assert JobArgs.parse(Press("jo", ("1", "2"))) is None  # an older layout's extra argument
    assert OptionArgs.parse(Press("en", ("3", "1"))) is None  # the option is missing


def test_an_admin_can_block_a_user_with_a_ten_digit_telegram_id() -> None:
    admin = Chat("en", ctx=context(is_admin=True)).started()
    outcome = admin.feed(callback_update("en", encode("ak", 5_123_456_789, 1)))
    assert [type(effect) for effect in outcome.effects] == [SetBlocked]
    assert outcome.effects[0].user_id == 5_123_456_789  # type: ignore[union-attr]
    assert BlockArgs.parse(Press("ak", ("5123456789", "1"))) == BlockArgs(5_123_456_789, 1)


def test_a_forged_press_with_bad_arguments_gets_the_stale_answer() -> None:
    chat = Chat("en").started()
    outcome = chat.press(encode("jo", "abc"))
    assert [call.method for call in outcome.calls] == ["answerCallbackQuery", "sendMessage"]
