"""Migration 14: bringing a deployment of the old bot over (`trt import trt`).

- `imported_rows`: one row per record of a source that was brought over, keyed by the
  record's identity in the source (`source`, e.g. ``trt:partner-01``; `kind`; `source_key`),
  written in the same transaction as what the record became here. A second run finds it and
  imports nothing twice; a run stopped half-way resumes where it stopped. `target_id` names
  what the record became (a user, payment or job id); `kopecks` what it stood for in money
  (a balance's opening credit, what a payment had credited in the source: the refund of an
  imported Stars payment takes that back).
- `jobs.imported_at`: a generation brought over as a past item of History. It never ran
  here: it holds nothing, and a limited admin's allowance does not count it as spent.
- the ledger kind ``opening``: the balance a user brought over, one credit per user. SQLite
  cannot change a CHECK constraint in place, so its ledger is rebuilt (same rows, same ids,
  same triggers); PostgreSQL replaces the constraint.
"""

SHARED = """
CREATE TABLE imported_rows (
    tenant_id    TEXT NOT NULL,
    source       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    source_key   TEXT NOT NULL,
    target_id    $i64,
    kopecks      $i64,
    imported_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, source, kind, source_key)
) $strict;
CREATE INDEX imported_rows_by_target ON imported_rows (tenant_id, target_id);
ALTER TABLE jobs ADD COLUMN imported_at $i64;
"""

_KIND_SIGNS = """CONSTRAINT ledger_kind_signs CHECK (
        (kind IN ('topup', 'promo', 'referral', 'admin', 'refund', 'opening')
            AND amount > 0 AND held_delta = 0)
        OR (kind = 'debit' AND amount < 0 AND held_delta = 0)
        OR (kind = 'hold' AND amount = 0 AND held_delta > 0)
        OR (kind = 'capture' AND amount < 0 AND held_delta = amount)
        OR (kind = 'release' AND amount = 0 AND held_delta < 0))"""

_COLUMNS = (
    "id, tenant_id, user_id, currency, kind, amount, held_delta, balance_after, held_after,"
    " hold_id, reference, idempotency_key, actor, created_at"
)

SQLITE = f"""
CREATE TABLE ledger_rebuilt (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL,
    user_id          INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    held_delta       INTEGER NOT NULL,
    balance_after    INTEGER NOT NULL,
    held_after       INTEGER NOT NULL,
    hold_id          INTEGER,
    reference        TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    actor            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    CONSTRAINT ledger_key_unique UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT ledger_after_valid
        CHECK (balance_after >= 0 AND held_after >= 0 AND held_after <= balance_after),
    {_KIND_SIGNS},
    CONSTRAINT ledger_hold_link
        CHECK ((kind IN ('hold', 'capture', 'release', 'refund')) = (hold_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, user_id, currency)
        REFERENCES accounts (tenant_id, user_id, currency),
    FOREIGN KEY (tenant_id, hold_id) REFERENCES holds (tenant_id, id)
) STRICT;
INSERT INTO ledger_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM ledger ORDER BY id;
DROP TABLE ledger;
ALTER TABLE ledger_rebuilt RENAME TO ledger;
CREATE INDEX ledger_by_account ON ledger (tenant_id, user_id, currency, id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
"""

POSTGRESQL = f"""
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_signs;
ALTER TABLE ledger ADD {_KIND_SIGNS};
"""
