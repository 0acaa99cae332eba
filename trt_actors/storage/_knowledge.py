"""The help knowledge base: entries (a question and its answer) that admins write, and the
full-text search `/search` and `/ask` use.

Search takes free text, keeps its words (letters and digits; at most `MAX_TERMS`), and finds
the entries containing any of them, best first: more of the words, and words in the question
rather than the answer, rank higher. Both backends fold case and word forms — PostgreSQL by
its `russian` text-search configuration (Russian and English stemmers), SQLite by FTS5's
`porter` tokenizer for English and, for Cyrillic words, a prefix query on the word with its
inflectional ending cut (`search_terms`) — so "генерации" finds "генерация" and "images"
finds "image" on both.
"""

from __future__ import annotations

import dataclasses
import re

from ._errors import NotFound
from ._repo import Repo, check_text
from ._sql import Row

__all__ = ["KnowledgeBase", "KnowledgeEntry", "search_terms"]

MAX_QUESTION = 300
MAX_ANSWER = 3000  # with the question and a heading, one message (4096) holds an entry
MAX_TERMS = 12
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile("[\u0430-\u044f\u0451]")  # the Russian alphabet, lower case
# Russian inflectional endings; the longest that fits is cut when 4 letters or more remain.
_RUSSIAN_ENDINGS = (
    "иями ями ами ого его ому ему ыми ими ой ей ий ый ая яя "  # noqa: RUF001
    "ое ее ые ие ую юю ам ям ах ях ов ев ом ем ию ия ии ью "  # noqa: RUF001
    "ья ье а я о е ы и у ю ь й"  # noqa: RUF001
)
_ENDINGS = sorted(_RUSSIAN_ENDINGS.split(), key=len, reverse=True)
_COLUMNS = "id, question, answer, created_by, created_at, updated_at"


@dataclasses.dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    id: int
    question: str
    answer: str
    created_by: int | None
    created_at: int
    updated_at: int


def _entry(row: Row) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=row["id"],
        question=row["question"],
        answer=row["answer"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _fold_russian(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def search_terms(text: str) -> list[str]:
    """The words of `text` a search uses: lower-cased, each once, in order, at most
    `MAX_TERMS` (punctuation and query syntax of either backend never get through)."""
    words = [word.lower() for word in _WORD.findall(text)]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    parts = [
        f'"{_fold_russian(term)}"*' if _CYRILLIC.search(term) else f'"{term}"' for term in terms
    ]
    return " OR ".join(parts)


class KnowledgeBase(Repo):
    """The bound tenant's knowledge base."""

    def add(
        self, question: str, answer: str, *, key: str, created_by: int | None = None
    ) -> KnowledgeEntry:
        """Add an entry; the same `key` again returns the first entry and adds nothing."""
        params = self._params(
            q=check_text("question", question.strip(), max_len=MAX_QUESTION),
            a=check_text("answer", answer.strip(), max_len=MAX_ANSWER),
            key=check_text("key", key, max_len=200),
            by=created_by,
        )
        params.update(fq=str(params["q"]).lower(), fa=str(params["a"]).lower())
        row = self._db.one(
            f"""INSERT INTO kb_entries (tenant_id, question, answer, question_folded,
                                        answer_folded, key, created_by, created_at, updated_at)
                VALUES (:t, :q, :a, :fq, :fa, :key, :by, :now, :now)
                ON CONFLICT (tenant_id, key) DO NOTHING RETURNING {_COLUMNS}""",
            params,
        )
        if row is None:
            row = self._db.one(
                f"SELECT {_COLUMNS} FROM kb_entries WHERE tenant_id = :t AND key = :key", params
            )
        assert row is not None
        return _entry(row)

    def edit(
        self, entry_id: int, *, question: str | None = None, answer: str | None = None
    ) -> KnowledgeEntry:
        """Change an entry's question and/or answer; raises `NotFound`."""
        entry = self.get(entry_id)
        new_question = check_text(
            "question", (question or entry.question).strip(), max_len=MAX_QUESTION
        )
        new_answer = check_text("answer", (answer or entry.answer).strip(), max_len=MAX_ANSWER)
        row = self._db.one(
            f"""UPDATE kb_entries SET question = :q, answer = :a, question_folded = :fq,
                                      answer_folded = :fa, updated_at = :now
                WHERE tenant_id = :t AND id = :id RETURNING {_COLUMNS}""",
            self._params(
                id=entry_id,
                q=new_question,
                a=new_answer,
                fq=new_question.lower(),
                fa=new_answer.lower(),
            ),
        )
        assert row is not None
        return _entry(row)

    def delete(self, entry_id: int) -> bool:
        """Remove an entry; False when there was none (deleting twice is harmless)."""
        removed = self._db.run(
            "DELETE FROM kb_entries WHERE tenant_id = :t AND id = :id", self._params(id=entry_id)
        )
        return removed > 0

    def get(self, entry_id: int) -> KnowledgeEntry:
        """One entry; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM kb_entries WHERE tenant_id = :t AND id = :id",
            self._params(id=entry_id),
        )
        if row is None:
            raise NotFound("knowledge entry", entry_id)
        return _entry(row)

    def latest(self, *, limit: int = 20) -> list[KnowledgeEntry]:
        """The newest entries first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM kb_entries WHERE tenant_id = :t ORDER BY id DESC LIMIT :lim",
            self._params(lim=limit),
        )
        return [_entry(row) for row in rows]

    def search(self, text: str, *, limit: int = 5) -> list[KnowledgeEntry]:
        """The entries best matching the words of `text`, best first; [] without words."""
        terms = search_terms(text)
        if not terms:
            return []
        if self._db.dialect.name == "sqlite":
            rows = self._db.execute(
                """SELECT e.id, e.question, e.answer, e.created_by, e.created_at, e.updated_at
                   FROM kb_entries_fts f JOIN kb_entries e ON e.id = f.rowid
                   WHERE kb_entries_fts MATCH :q AND f.tenant_id = :t AND e.tenant_id = :t
                   ORDER BY bm25(kb_entries_fts, 0.0, 2.0, 1.0), e.id LIMIT :lim""",
                self._params(q=_fts5_query(terms), lim=limit),
            )
        else:
            rows = self._db.execute(
                f"""SELECT {_COLUMNS} FROM kb_entries,
                           to_tsquery('russian'::regconfig, :q) AS query
                    WHERE tenant_id = :t AND search @@ query
                    ORDER BY ts_rank(search, query) DESC, id LIMIT :lim""",
                self._params(q=" | ".join(terms), lim=limit),
            )
        return [_entry(row) for row in rows]
