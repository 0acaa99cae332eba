"""The knowledge base in the pure journey: /search and /ask show what the session found,
/ask without a match offers the support contact, and admins' /add, /kb_edit, /kb_delete
become operations keyed by the update and settle into a confirmation."""

from __future__ import annotations

import pytest

from trt_actors.domain.admin.facts import Denied, Done
from trt_actors.domain.journey import default_routes
from trt_actors.domain.knowledge import (
    AddKnowledge,
    DeleteKnowledge,
    EditKnowledge,
    FindKnowledge,
    KnowledgeHit,
)
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.updates import Incoming, read

from .support import CHAT, Chat, context, journey, text_update

HITS = (
    KnowledgeHit(3, "How do I top up?", "Open Balance and choose an amount."),
    KnowledgeHit(9, "Why did it fail?", "The hold is released; retry for free."),
)


def chat(
    language: str = "en", *, found: object = (), admin: bool = False, support: str = ""
) -> Chat:
    settings = TenantSettings(support_contact=support)
    ctx = context(is_admin=admin, settings=settings, found={FindKnowledge("top up"): found})
    return Chat(language, ctx=ctx).started()


@pytest.mark.parametrize("command", ["search", "ask"])
def test_search_and_ask_name_their_lookup_and_show_the_entries(command: str) -> None:
    update = read(text_update("en", f"/{command} top up"))
    assert journey().lookups({}, update) == [FindKnowledge("top up")]
    ann = chat(found=HITS)
    ann.send(f"/{command} top up")
    assert "top up" in ann.text
    assert "How do I top up?\nOpen Balance and choose an amount." in ann.text
    assert ann.text.index("How do I top up?") < ann.text.index("Why did it fail?")
    assert "#3" not in ann.text  # numbers are for admins
    assert any(data == "v1|m" for data in ann.buttons().values())


@pytest.mark.parametrize("language", ["ru", "en"])
def test_without_words_the_usage_is_shown_and_nothing_looked_up(language: str) -> None:
    assert journey().lookups({}, read(text_update(language, "/search"))) == []
    ann = chat(language)
    ann.send("/search")
    assert "/search" in ann.text
    ann.send("/ask   ")
    assert "/ask" in ann.text


@pytest.mark.parametrize("language", ["ru", "en"])
def test_ask_with_no_match_offers_the_support_contact(language: str) -> None:
    ann = chat(language, support="@trt_support")
    ann.send("/ask top up")
    assert "@trt_support" in ann.text
    ann = chat(language)
    ann.send("/ask top up")
    assert "/help" in ann.text  # no contact configured: where it will appear
    ann.send("/search top up")
    assert "/ask" in ann.text  # search without a match points to /ask


def test_help_mentions_search_and_ask() -> None:
    ann = chat()
    ann.send("/help")
    assert "/search" in ann.text and "/ask" in ann.text


def pending(admin: Chat, words: str) -> tuple[Incoming, list[object]]:
    """The update for `words` and the effects the journey leaves to the session."""
    update = read(text_update("en", words))
    outcome = journey()(admin.state, update, admin.ctx)
    assert outcome.calls == []  # answered only once the operation's result is known
    return update, list(outcome.effects)


def test_admins_add_edit_and_delete_with_operations_keyed_by_the_update() -> None:
    admin = chat(admin=True)
    update, effects = pending(admin, "/add How do I top up? | Open Balance. ")
    key = f"kb:add:{update.update_id}"
    assert effects == [AddKnowledge("How do I top up?", "Open Balance.", CHAT, key)]
    update, effects = pending(admin, "/kb_edit #3 Top up? | Balance → amount")
    key = f"kb:edit:{update.update_id}"
    assert effects == [EditKnowledge(3, "Top up?", "Balance → amount", key)]
    update, effects = pending(admin, "/kb_delete 3")
    assert effects == [DeleteKnowledge(3, f"kb:delete:{update.update_id}")]


@pytest.mark.parametrize(
    ("words", "result", "shown"),
    [
        ("/add Q? | A.", KnowledgeHit(12, "Q?", "A."), "#12"),
        ("/kb_edit 12 Q2? | A2.", KnowledgeHit(12, "Q2?", "A2."), "Q2?\nA2."),
        ("/kb_edit 12 Q2? | A2.", None, "no entry #12"),
        ("/kb_delete 12", True, "#12 deleted"),
        ("/kb_delete 12", False, "no entry #12"),
    ],
)
def test_the_result_of_an_admin_operation_is_confirmed(
    words: str, result: object, shown: str
) -> None:
    admin = chat(admin=True)
    update = read(text_update("en", words))
    outcome = journey()(admin.state, update, admin.ctx)
    final = journey().settle(outcome, update, admin.ctx, [result])
    [reply] = final.calls
    assert reply.method == "sendMessage" and shown in reply.params["text"]
    assert final.effects == []


@pytest.mark.parametrize(
    "words",
    [
        "/add no separator",
        "/add | only an answer",
        "/add a question |  ",
        "/add " + "q" * 301 + " | a",
        "/kb_edit twelve Q | A",
        "/kb_edit 12 no separator",
        "/kb_delete",
        "/kb_delete x",
    ],
)
def test_malformed_admin_commands_get_their_usage(words: str) -> None:
    admin = chat(admin=True)
    outcome = admin.send(words)
    assert outcome.effects == []
    assert "|" in admin.text or "/kb_delete 12" in admin.text


@pytest.mark.parametrize("words", ["/add Q | A", "/kb_edit 1 Q | A", "/kb_delete 1"])
def test_only_admins_change_the_help(words: str) -> None:
    """For anyone else the admins' commands are unknown commands (and audited as denied)."""
    ann = chat()
    update = read(text_update("en", words))
    outcome = journey()(ann.state, update, ann.ctx)
    assert outcome.effects == [Denied(CHAT, "command", by_command=True)]
    [reply] = journey().settle(outcome, update, ann.ctx, [Done()]).calls
    assert reply.params["text"].startswith("There is no such command.")


def test_admins_see_entry_numbers_in_results() -> None:
    admin = chat(admin=True, found=HITS)
    admin.send("/search top up")
    assert "#3 How do I top up?" in admin.text


def test_the_command_menu_lists_search_and_ask_but_not_the_admin_commands() -> None:
    listed = {c["command"] for c in default_routes().commands_for("en")[0].params["commands"]}
    assert {"search", "ask"} <= listed
    assert not {"add", "kb_edit", "kb_delete"} & listed


def test_a_long_answer_still_fits_one_message() -> None:
    hits = tuple(KnowledgeHit(n, "q" * 300, "a" * 3000) for n in range(3))
    ann = chat(found=hits)
    ann.send("/search top up")  # the driver checks the 4096 limit
    assert ann.text.endswith("…")
