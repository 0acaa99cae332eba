"""Migration 5: the help knowledge base — question-and-answer entries that admins write,
found by full-text search (`/search`, `/ask`).

`kb_entries` holds the entries per tenant; `key` makes an admin's /add idempotent (the same
update handled again adds nothing). The search index differs by backend:

- SQLite: an FTS5 table over `kb_entries` (external content, kept in step by triggers),
  tokenized by `porter unicode61` (English stems, case and diacritics folded). Russian
  endings are folded at query time (`_knowledge.search_terms`).
- PostgreSQL: a generated `tsvector` column with the `russian` configuration (Russian words
  stemmed by the Russian stemmer, Latin ones by the English one), questions weighted above
  answers, under a GIN index. It reads `question_folded` / `answer_folded`, the texts
  lower-cased by the program: a database in the C locale cannot lower-case Cyrillic itself.
"""

SHARED = """
CREATE TABLE kb_entries (
    id          $id_pk,
    tenant_id   TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    question_folded TEXT NOT NULL,
    answer_folded   TEXT NOT NULL,
    key         TEXT NOT NULL,
    created_by  $i64,
    created_at  $i64 NOT NULL,
    updated_at  $i64 NOT NULL
) $strict;
CREATE UNIQUE INDEX kb_entries_by_key ON kb_entries (tenant_id, key);
CREATE INDEX kb_entries_by_tenant ON kb_entries (tenant_id, id);
"""

SQLITE = """
CREATE VIRTUAL TABLE kb_entries_fts USING fts5(
    tenant_id UNINDEXED, question, answer,
    content='kb_entries', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_entries_indexed AFTER INSERT ON kb_entries
BEGIN
    INSERT INTO kb_entries_fts (rowid, tenant_id, question, answer)
    VALUES (new.id, new.tenant_id, new.question, new.answer);
END;
CREATE TRIGGER kb_entries_unindexed AFTER DELETE ON kb_entries
BEGIN
    INSERT INTO kb_entries_fts (kb_entries_fts, rowid, tenant_id, question, answer)
    VALUES ('delete', old.id, old.tenant_id, old.question, old.answer);
END;
CREATE TRIGGER kb_entries_reindexed AFTER UPDATE ON kb_entries
BEGIN
    INSERT INTO kb_entries_fts (kb_entries_fts, rowid, tenant_id, question, answer)
    VALUES ('delete', old.id, old.tenant_id, old.question, old.answer);
    INSERT INTO kb_entries_fts (rowid, tenant_id, question, answer)
    VALUES (new.id, new.tenant_id, new.question, new.answer);
END;
"""

POSTGRESQL = """
ALTER TABLE kb_entries ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian'::regconfig, question_folded), 'A')
    || setweight(to_tsvector('russian'::regconfig, answer_folded), 'B')
) STORED;
CREATE INDEX kb_entries_search ON kb_entries USING GIN (search);
"""
