"""Fuzzed updates through the real webhook route into the running bot: the short run of
`scripts/fuzz_updates.py` (same driver: `trt_actors.testing.update_fuzz`), and the cases it
found, kept as regressions.

The rule (docs/testing.md, "Fuzzed updates"): a malformed request is refused with 400 and a
`webhook.malformed` event naming why; a well-formed update gets 200, its inbox row ends done,
and the bot answers it (messages, presses, pre-checkout queries) or ignores it (every other
kind) without a word to Telegram; nothing crashes, no traceback or error is logged, the bot
breaks no rule of the Bot API, and the tree stays ready.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trt_actors.testing.update_fuzz import FuzzTarget, fuzz, fuzz_target
from trt_actors.testing.update_strategies import Expect, FuzzCase, Person

CASES = 300
SEED = 16


async def test_fuzzed_updates_are_answered_ignored_or_refused_by_the_rule(
    tmp_path: Path,
) -> None:
    async with fuzz_target(tmp_path) as target:
        tally = await fuzz(target, cases=CASES, seed_value=SEED, stop_at_first=True)
        assert tally.clean, "\n".join(tally.problems)
        assert tally.cases == CASES
        assert tally.answered > CASES // 3 and tally.ignored > 0 and tally.refused > CASES // 10
        assert await target.ready()


def _message(person: Person, **fields: Any) -> dict[str, Any]:
    message = {
        "message_id": 7,
        "date": 1_790_000_000,
        "chat": dict(person.chat),
        "from": dict(person.user),
        "text": "a cat on the moon",
    }
    return {"message": {**message, **fields}}


async def _start_is_answered(target: FuzzTarget, person: Person) -> None:
    start = _message(
        person, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
    )
    verdict = await target.run(FuzzCase("start", Expect.ANSWERED, start, reply_chat=person.id))
    assert verdict.outcome == "answered", verdict.describe()


async def test_updates_that_crashed_or_silenced_the_bot_are_refused_400(tmp_path: Path) -> None:
    """Found by the fuzzer. Before: an update_id or a user id past 64 bits, or a negative
    update_id, answered 500 with a traceback (the inbox and the partition refused the number);
    a `chat` that is a list, or a `text` that is a number, was acknowledged and crashed the
    user's session on every try, the row stayed pending and the user's next messages were
    never answered; other wrong types reached storage and the Bot API."""
    async with fuzz_target(tmp_path) as target:
        assert target.world is not None
        ann = target.world.talkers[0]
        bodies: dict[str, FuzzCase] = {
            "update_id 2**63": FuzzCase(
                "", Expect.REFUSED, {"update_id": 2**63, **_message(ann)}, numbered=False
            ),
            "negative update_id": FuzzCase(
                "", Expect.REFUSED, {"update_id": -5, **_message(ann)}, numbered=False
            ),
            "from.id 2**63": FuzzCase(
                "", Expect.REFUSED, _message(ann, **{"from": {"id": 2**63, "first_name": "A"}})
            ),
            "chat a list": FuzzCase("", Expect.REFUSED, _message(ann, chat=[ann.id])),
            "text a number": FuzzCase("", Expect.REFUSED, _message(ann, text=5)),
            "from.id true": FuzzCase(
                "", Expect.REFUSED, _message(ann, **{"from": {"id": True, "first_name": "A"}})
            ),
            "username an object": FuzzCase(
                "", Expect.REFUSED, _message(ann, **{"from": {**ann.user, "username": {"a": 1}}})
            ),
            "message_id a string": FuzzCase("", Expect.REFUSED, _message(ann, message_id="7")),
            "a document that is a list": FuzzCase("", Expect.REFUSED, _message(ann, document=[1])),
        }
        for name, case in bodies.items():
            verdict = await target.run(case)
            assert verdict.outcome == "refused" and not verdict.problems, (name, verdict.describe())
        reasons = [event["reason"] for event in target.logs.malformed[-len(bodies) :]]
        assert reasons[0] == "update_id is negative or over 2**63 - 1"
        assert "message.chat is not an object" in reasons
        assert "message.text is not a string" in reasons
        await _start_is_answered(target, ann)
        assert target.service.failures() == []


async def test_a_press_on_an_inaccessible_message_is_answered_with_a_new_message(
    tmp_path: Path,
) -> None:
    """Found by the fuzzer. Telegram sends a press on a message deleted (or too old) as an
    InaccessibleMessage, `date` 0. Before: the bot edited it, Telegram said "message to edit
    not found", the session crashed three times and the user got an apology."""
    async with fuzz_target(tmp_path) as target:
        assert target.world is not None
        ann = target.world.talkers[0]
        gone = {"chat": dict(ann.chat), "message_id": 999_999, "date": 0}
        press = {"id": "q-gone", "from": dict(ann.user), "chat_instance": "1", "message": gone}
        before = len(target.emulator.ctl.bot_messages(ann.id))
        case = FuzzCase(
            "",
            Expect.ANSWERED,
            {"callback_query": {**press, "data": "v1|m"}},
            reply_chat=ann.id,
            answers=("callback_query_id", "q-gone"),
        )
        verdict = await target.run(case)
        assert verdict.outcome == "answered" and not verdict.problems, verdict.describe()
        menus = target.emulator.ctl.bot_messages(ann.id)[before:]
        assert len(menus) == 1 and menus[0]["reply_markup"]["inline_keyboard"]
        assert target.service.failures() == []


async def test_a_payment_message_without_a_payer_is_answered_without_a_crash(
    tmp_path: Path,
) -> None:
    """Found by the fuzzer. A successful_payment in a message with no `from` (a message on
    behalf of a chat) was to be credited to user 0, the storage refused it (no such user),
    the session crashed three times and the group got an apology. Now no one is credited and
    the chat gets the usual hint."""
    async with fuzz_target(tmp_path) as target:
        assert target.world is not None
        group = dict(target.world.group)
        paid = {
            "currency": "XTR",
            "total_amount": 50,
            "invoice_payload": "x",
            "telegram_payment_charge_id": "charge-without-payer",
            "provider_payment_charge_id": "",
        }
        message = {"message_id": 9, "date": 1_790_000_000, "chat": group, "sender_chat": group}
        case = FuzzCase(
            "",
            Expect.ANSWERED,
            {"message": {**message, "successful_payment": paid}},
            reply_chat=int(group["id"]),
        )
        verdict = await target.run(case)
        assert verdict.outcome == "answered" and not verdict.problems, verdict.describe()
        assert target.service.failures() == []
