"""The help knowledge base as users and admins meet it: `/search words`, `/ask question`,
and for admins `/add question | answer`, `/kb_edit <id> question | answer`, `/kb_delete <id>`.

Searching is a lookup (`FindKnowledge`): the session reads the best entries before the
handler runs and hands them over in `Context.found`. Adding, editing and deleting are
operations, keyed by the update, that the session performs before any reply; the settlers
below render their results. `/ask` with no match offers the support contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .callbacks import encode
from .effects import Lookup, Operation
from .moves import Move
from .screens.home import menu_button
from .state import JourneyState
from .turn import Turn
from .view import Button, Screen

SHOWN = 3  # entries shown for one search
SEPARATOR = "|"
MAX_QUESTION = 300  # as storage keeps them (`storage._knowledge`)
MAX_ANSWER = 3000


@dataclass(frozen=True, slots=True)
class KnowledgeHit:
    """One entry as the journey shows it."""

    entry_id: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class FindKnowledge(Lookup[tuple["KnowledgeHit", ...]]):
    """The entries best matching `text`, best first (a tuple of `KnowledgeHit`)."""

    text: str
    limit: int = SHOWN


@dataclass(frozen=True, slots=True)
class AddKnowledge(Operation):
    """Add an entry; the result is the `KnowledgeHit` stored (the first one for a key)."""

    question: str
    answer: str
    author: int
    key: str


@dataclass(frozen=True, slots=True)
class EditKnowledge(Operation):
    """Replace an entry's question and answer; the result is the hit, or None if none."""

    entry_id: int
    question: str
    answer: str
    key: str


@dataclass(frozen=True, slots=True)
class DeleteKnowledge(Operation):
    """Remove an entry; the result is True when it existed."""

    entry_id: int
    key: str


def _found(turn: Turn, argument: str) -> tuple[KnowledgeHit, ...]:
    found = turn.context.lookup(FindKnowledge(argument.strip()))
    if not isinstance(found, tuple):
        return ()
    return tuple(hit for hit in found if isinstance(hit, KnowledgeHit))


def _rows(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return ((Button(turn.t("menu_help"), encode("?")), menu_button(turn)),)


def _hit_text(turn: Turn, hit: KnowledgeHit) -> str:
    number = f"#{hit.entry_id} " if turn.context.is_admin else ""
    return f"❓ {number}{hit.question}\n{hit.answer}"


def results(turn: Turn, query: str, hits: Sequence[KnowledgeHit], *, asked: bool) -> Screen:
    """The answer to /search or /ask: the best entries, or what to do when none matched."""
    if not query:
        return Screen(turn.t("kb_ask_usage" if asked else "kb_search_usage"), _rows(turn))
    if hits:
        title = turn.t("kb_answer_title" if asked else "kb_found_title", query=query[:100])
        body = "\n\n".join(_hit_text(turn, hit) for hit in hits)
        return Screen(f"{title}\n\n{body}", _rows(turn))
    if not asked:
        return Screen(turn.t("kb_nothing_found", query=query[:100]), _rows(turn))
    contact = turn.context.settings.support_contact or turn.context.support_contact
    if contact:
        return Screen(turn.t("kb_no_answer_contact", contact=contact), _rows(turn))
    return Screen(turn.t("kb_no_answer"), _rows(turn))


def search(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, screen=results(turn, argument.strip(), _found(turn, argument), asked=False))


def ask(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, screen=results(turn, argument.strip(), _found(turn, argument), asked=True))


def searching(argument: str) -> list[Lookup[object]]:
    """What `/search` and `/ask` read: the best entries for the words given."""
    return [FindKnowledge(argument.strip())] if argument.strip() else []


# -- admins ----------------------------------------------------------------------------------


def _note(turn: Turn, state: JourneyState, key: str, **values: object) -> Move:
    return Move(state, screen=Screen(turn.t(key, **values), _rows(turn)))


def _question_and_answer(text: str) -> tuple[str, str] | None:
    question, separator, answer = text.partition(SEPARATOR)
    question, answer = question.strip(), answer.strip()
    if not separator or not question or not answer:
        return None
    if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER:
        return None
    return question, answer


def _entry_and_rest(argument: str) -> tuple[int, str] | None:
    number, _, rest = argument.strip().partition(" ")
    number = number.lstrip("#")
    return (int(number), rest) if number.isdigit() and len(number) <= 12 else None


def add(turn: Turn, state: JourneyState, argument: str) -> Move:
    if not turn.context.is_admin:
        return _note(turn, state, "kb_admins_only")
    parts = _question_and_answer(argument)
    if parts is None:
        return _note(turn, state, "kb_add_usage")
    operation = AddKnowledge(*parts, author=turn.user_id, key=f"kb:add:{turn.update_id}")
    return Move(state, effects=(operation,))


def edit_entry(turn: Turn, state: JourneyState, argument: str) -> Move:
    if not turn.context.is_admin:
        return _note(turn, state, "kb_admins_only")
    found = _entry_and_rest(argument)
    parts = _question_and_answer(found[1]) if found else None
    if found is None or parts is None:
        return _note(turn, state, "kb_edit_usage")
    operation = EditKnowledge(found[0], *parts, key=f"kb:edit:{turn.update_id}")
    return Move(state, effects=(operation,))


def delete_entry(turn: Turn, state: JourneyState, argument: str) -> Move:
    if not turn.context.is_admin:
        return _note(turn, state, "kb_admins_only")
    found = _entry_and_rest(argument)
    if found is None:
        return _note(turn, state, "kb_delete_usage")
    return Move(state, effects=(DeleteKnowledge(found[0], key=f"kb:delete:{turn.update_id}"),))


def added(turn: Turn, state: JourneyState, operation: AddKnowledge, hit: object) -> Move:
    if not isinstance(hit, KnowledgeHit):
        return _note(turn, state, "kb_add_usage")
    return _note(turn, state, "kb_added", entry=_hit_text(turn, hit), id=hit.entry_id)


def edited(turn: Turn, state: JourneyState, operation: EditKnowledge, hit: object) -> Move:
    if not isinstance(hit, KnowledgeHit):
        return _note(turn, state, "kb_no_entry", id=operation.entry_id)
    return _note(turn, state, "kb_edited", entry=_hit_text(turn, hit))


def deleted(turn: Turn, state: JourneyState, operation: DeleteKnowledge, gone: object) -> Move:
    key = "kb_deleted" if gone is True else "kb_no_entry"
    return _note(turn, state, key, id=operation.entry_id)
