"""Migration 6: bonus free generations (`free_bonus`), granted by referrals and promo codes.

Like the money ledger, an append-only list of signed rows, each idempotent by its key: a
grant is positive, a generation that used one is -1, a failed one gives it back (+1). What a
user has left is the sum of their rows, never below zero (checked under a row lock).
"""

SHARED = """
CREATE TABLE free_bonus (
    id               $id_pk,
    tenant_id        TEXT NOT NULL,
    user_id          $i64 NOT NULL,
    delta            INTEGER NOT NULL CHECK (delta <> 0),
    reason           TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    created_at       $i64 NOT NULL,
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;
CREATE INDEX free_bonus_by_user ON free_bonus (tenant_id, user_id);
"""
