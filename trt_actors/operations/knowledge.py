"""The knowledge base's lookups and operations (`domain.knowledge`) against storage."""

from __future__ import annotations

from trt_actors.domain.knowledge import (
    AddKnowledge,
    DeleteKnowledge,
    EditKnowledge,
    FindKnowledge,
    KnowledgeHit,
)
from trt_actors.storage import KnowledgeEntry, NotFound, Tx

from .performers import AreaPerformers, Site

PERFORMERS = AreaPerformers("knowledge")


def _hit(entry: KnowledgeEntry) -> KnowledgeHit:
    return KnowledgeHit(entry.id, entry.question, entry.answer)


@PERFORMERS.reads(FindKnowledge)
def find(tx: Tx, lookup: FindKnowledge, site: Site) -> tuple[KnowledgeHit, ...]:
    return tuple(_hit(entry) for entry in tx.knowledge.search(lookup.text, limit=lookup.limit))


@PERFORMERS.performs(AddKnowledge)
def add(tx: Tx, operation: AddKnowledge, site: Site) -> KnowledgeHit:
    entry = tx.knowledge.add(
        operation.question, operation.answer, key=operation.key, created_by=operation.author
    )
    if entry.created_at == tx.now:  # added now, not found by its key from an earlier try
        tx.audit.record(
            site.user_id, "kb.add", target=str(entry.id), details={"question": entry.question}
        )
    return _hit(entry)


@PERFORMERS.performs(EditKnowledge)
def edit(tx: Tx, operation: EditKnowledge, site: Site) -> KnowledgeHit | None:
    """Editing the same entry to the same text again changes nothing visible: idempotent."""
    try:
        entry = tx.knowledge.edit(
            operation.entry_id, question=operation.question, answer=operation.answer
        )
    except NotFound:
        return None
    tx.audit.record(site.user_id, "kb.edit", target=str(entry.id), details={})
    return _hit(entry)


@PERFORMERS.performs(DeleteKnowledge)
def delete(tx: Tx, operation: DeleteKnowledge, site: Site) -> bool:
    gone = tx.knowledge.delete(operation.entry_id)
    if gone:
        tx.audit.record(site.user_id, "kb.delete", target=str(operation.entry_id), details={})
    return gone
