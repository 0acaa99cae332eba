"""Properties over arbitrary input: stale and malformed callback data, any text, any state —
the handler answers with the current screen and never raises."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trt_actors.domain.callbacks import encode
from trt_actors.domain.texts import text
from trt_actors.domain.updates import read

from .support import PROMPT, Chat, callback_update, check_limits, context, journey, text_update


def _states() -> dict[str, dict[str, Any]]:
    """A few real states: the menu, a wizard step, the settings, a confirmation, starting."""
    rich = context(balance_kopecks=10**6)
    menu = Chat("en", ctx=rich).started()
    step = Chat("en", ctx=rich).started()
    step.press(encode("go", "runway-t2v"))
    settings_ = Chat("en", ctx=rich, state=dict(step.state))
    settings_.send(PROMPT)
    confirm = Chat("en", ctx=rich, state=dict(settings_.state))
    confirm.press(encode("nx", confirm.state["draft"]["n"]))
    starting = Chat("en", ctx=rich, state=dict(confirm.state))
    starting.press(encode("ok", starting.state["draft"]["n"]))
    return {
        "menu": menu.state,
        "step": step.state,
        "settings": settings_.state,
        "confirm": confirm.state,
        "starting": starting.state,
    }


STATES = _states()
VALID_CODES = [
    "m",
    "k",
    "l",
    "c",
    "go",
    "en",
    "tg",
    "dn",
    "sk",
    "bk",
    "rs",
    "cx",
    "in",
    "nx",
    "ed",
    "ok",
    "sl",
    "ts",
    "t",
    "h",
    "b",
    "u",
    "r",
    "?",
    "lg",
    "g",
    "w",
]
short_args = st.lists(
    st.one_of(
        st.integers(0, 30).map(str),
        st.sampled_from(
            ["z-image", "runway-t2v", "text_to_image", "ru", "en", "xx", "0", "99999999"]
        ),
    ),
    max_size=4,
)
plausible = st.builds(
    lambda code, args: "|".join(["v1", code, *args]), st.sampled_from(VALID_CODES), short_args
)
anything = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    plausible,
    st.builds(
        lambda code, args: "|".join(["v0", code, *args]), st.sampled_from(VALID_CODES), short_args
    ),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(sorted(STATES)), data=anything, language=st.sampled_from(["ru", "en"]))
def test_any_callback_data_is_answered_first_then_shows_a_screen(
    where: str, data: str, language: str
) -> None:
    outcome = journey()(STATES[where], read(callback_update(language, data)), context())
    methods = [call.method for call in outcome.calls]
    assert methods[0] == "answerCallbackQuery"
    assert methods[1:] in (["editMessageText"], ["sendMessage"])
    check_limits(outcome.calls)
    assert len(outcome.effects) <= 1


@settings(max_examples=200)
@given(
    where=st.sampled_from(sorted(STATES)),
    data=st.text(max_size=80).filter(lambda d: not d.startswith("v1|")),
)
def test_malformed_data_shows_the_current_screen_with_a_note(where: str, data: str) -> None:
    outcome = journey()(STATES[where], read(callback_update("en", data)), context())
    assert outcome.calls[0].params["text"] == text("en", "note_stale")
    assert outcome.calls[1].params["text"].startswith(text("en", "note_stale"))
    assert outcome.effects == []
    assert {k: v for k, v in outcome.state.items() if k not in ("language", "stale_shown")} == {
        k: v for k, v in STATES[where].items() if k != "language"
    }
    again = journey()(outcome.state, read(callback_update("en", data)), context())
    assert [call.method for call in again.calls] == ["answerCallbackQuery"]  # shown already
    assert again.calls[0].params["text"] == text("en", "note_stale_again")
    assert again.state == outcome.state and again.effects == []


@settings(max_examples=300)
@given(where=st.sampled_from(sorted(STATES)), message=st.text(max_size=300))
def test_any_text_gets_exactly_one_reply(where: str, message: str) -> None:
    outcome = journey()(STATES[where], read(text_update("ru", message)), context())
    if message:
        assert [call.method for call in outcome.calls] == ["sendMessage"]
    check_limits(outcome.calls)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
state_keys = st.sampled_from(
    [
        "language",
        "language_chosen",
        "tutorial_done",
        "start_payload",
        "screen",
        "draft",
        "serial",
        "started",
        "other",
    ]
)


@settings(max_examples=300)
@given(state=st.dictionaries(state_keys, json_values, max_size=8), data=anything)
def test_a_damaged_state_never_breaks_the_handler(state: dict[str, Any], data: str) -> None:
    for update in (
        callback_update("en", data),
        text_update("en", "/start"),
        text_update("en", "hello"),
    ):
        outcome = journey()(state, read(update), context())
        assert outcome.calls
        check_limits(outcome.calls)


drafts = st.fixed_dictionaries(
    {
        "n": st.integers(0, 3),
        "model": st.sampled_from(["runway-t2v", "infinitalk", "ideogram-v3-remix", "gone"]),
        "at": st.sampled_from(["i0", "i1", "i2", "i3", "i8", "i99", "opt", "ok", "x", ""]),
        "values": st.dictionaries(
            st.sampled_from(["prompt", "duration", "quality", "strength", "expand_prompt", "zz"]),
            st.one_of(st.text(max_size=12), st.booleans(), st.integers()),
            max_size=4,
        ),
        "media": st.dictionaries(
            st.sampled_from(["image", "audio", "prompt"]),
            st.lists(
                st.fixed_dictionaries(
                    {"id": st.text(min_size=1, max_size=5)},
                    optional={"s": st.text(max_size=4), "mp": st.text(max_size=4)},
                ),
                max_size=3,
            ),
            max_size=2,
        ),
        "trail": st.lists(st.sampled_from(["i0", "opt", "ok", "zz"]), max_size=3),
    }
)


@settings(max_examples=300)
@given(draft=drafts, data=plausible, message=st.text(max_size=20))
def test_a_damaged_draft_never_breaks_the_handler(
    draft: dict[str, Any], data: str, message: str
) -> None:
    state = {"screen": "w", "draft": draft, "serial": 3, "tutorial_done": True}
    for update in (callback_update("en", data), text_update("en", message or "x")):
        outcome = journey()(state, read(update), context(balance_kopecks=10**6))
        assert outcome.calls
        check_limits(outcome.calls)
