"""Migration 1: the initial schema.

Rules the schema keeps (and tests/storage/test_schema.py checks on both backends):

- every table has `tenant_id` as the first column of its primary or unique key;
- money is integer minor units (`$i64`: BIGINT / SQLite INTEGER in STRICT tables, which
  refuse a REAL value); no column anywhere is floating point;
- timestamps (`*_at`) are integer Unix milliseconds, UTC;
- ledger rows are append-only (triggers below) and their signs follow their kind.
"""

SHARED = """
CREATE TABLE users (
    tenant_id    TEXT NOT NULL,
    user_id      $i64 NOT NULL,
    username     TEXT,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT,
    language     TEXT,
    is_blocked   $bool NOT NULL DEFAULT FALSE,
    blocked_bot  $bool NOT NULL DEFAULT FALSE,
    referrer_id  $i64,
    created_at   $i64 NOT NULL,
    updated_at   $i64 NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT users_not_own_referrer CHECK (referrer_id IS NULL OR referrer_id <> user_id)
) $strict;

CREATE TABLE sessions (
    tenant_id   TEXT NOT NULL,
    user_id     $i64 NOT NULL,
    state       $json NOT NULL,
    version     $i64 NOT NULL CHECK (version > 0),
    updated_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
) $strict;

CREATE TABLE inbox (
    tenant_id    TEXT NOT NULL,
    update_id    $i64 NOT NULL,
    payload      $bytes NOT NULL,
    received_at  $i64 NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT,
    done_at      $i64,
    PRIMARY KEY (tenant_id, update_id)
) $strict;
CREATE INDEX inbox_pending ON inbox (tenant_id, update_id) WHERE state = 'pending';
CREATE INDEX inbox_done ON inbox (tenant_id, done_at) WHERE state = 'done';

CREATE TABLE accounts (
    tenant_id   TEXT NOT NULL,
    user_id     $i64 NOT NULL,
    currency    TEXT NOT NULL CHECK (currency IN ('RUB', 'XTR')),
    balance     $i64 NOT NULL DEFAULT 0,
    held        $i64 NOT NULL DEFAULT 0,
    updated_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, user_id, currency),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id),
    CONSTRAINT accounts_balance_not_negative CHECK (balance >= 0),
    CONSTRAINT accounts_held_within_balance CHECK (held >= 0 AND held <= balance)
) $strict;

CREATE TABLE holds (
    id          $id_pk,
    tenant_id   TEXT NOT NULL,
    user_id     $i64 NOT NULL,
    currency    TEXT NOT NULL,
    amount      $i64 NOT NULL CHECK (amount > 0),
    status      TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'refunded')),
    reference   TEXT NOT NULL,
    created_at  $i64 NOT NULL,
    settled_at  $i64,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id, currency)
        REFERENCES accounts (tenant_id, user_id, currency)
) $strict;
CREATE INDEX holds_by_user ON holds (tenant_id, user_id, status);

CREATE TABLE ledger (
    id               $id_pk,
    tenant_id        TEXT NOT NULL,
    user_id          $i64 NOT NULL,
    currency         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    amount           $i64 NOT NULL,
    held_delta       $i64 NOT NULL,
    balance_after    $i64 NOT NULL,
    held_after       $i64 NOT NULL,
    hold_id          $i64,
    reference        TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    actor            TEXT NOT NULL,
    created_at       $i64 NOT NULL,
    CONSTRAINT ledger_key_unique UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT ledger_after_valid
        CHECK (balance_after >= 0 AND held_after >= 0 AND held_after <= balance_after),
    CONSTRAINT ledger_kind_signs CHECK (
        (kind IN ('topup', 'promo', 'referral', 'admin', 'refund')
            AND amount > 0 AND held_delta = 0)
        OR (kind = 'debit' AND amount < 0 AND held_delta = 0)
        OR (kind = 'hold' AND amount = 0 AND held_delta > 0)
        OR (kind = 'capture' AND amount < 0 AND held_delta = amount)
        OR (kind = 'release' AND amount = 0 AND held_delta < 0)),
    CONSTRAINT ledger_hold_link
        CHECK ((kind IN ('hold', 'capture', 'release', 'refund')) = (hold_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, user_id, currency)
        REFERENCES accounts (tenant_id, user_id, currency),
    FOREIGN KEY (tenant_id, hold_id) REFERENCES holds (tenant_id, id)
) $strict;
CREATE INDEX ledger_by_account ON ledger (tenant_id, user_id, currency, id);

CREATE TABLE payments (
    id           $id_pk,
    tenant_id    TEXT NOT NULL,
    user_id      $i64 NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('stars', 'bank_transfer')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'refunded')),
    amount       $i64 NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL CHECK (currency IN ('RUB', 'XTR')),
    external_id  TEXT,
    proof        TEXT,
    reviewer_id  $i64,
    reviewed_at  $i64,
    note         TEXT,
    created_at   $i64 NOT NULL,
    updated_at   $i64 NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, method, external_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;
CREATE INDEX payments_by_status ON payments (tenant_id, status, id);

CREATE TABLE jobs (
    id            $id_pk,
    tenant_id     TEXT NOT NULL,
    user_id       $i64 NOT NULL,
    model_id      TEXT NOT NULL,
    params        $json NOT NULL,
    state         TEXT NOT NULL CHECK (state IN
                      ('created', 'submitted', 'succeeded', 'failed', 'delivered', 'refunded')),
    kie_task_id   TEXT,
    price         $i64 NOT NULL CHECK (price >= 0),
    currency      TEXT NOT NULL CHECK (currency IN ('RUB', 'XTR')),
    hold_id       $i64,
    result_urls   $json NOT NULL,
    error         TEXT,
    deadline_at   $i64,
    created_at    $i64 NOT NULL,
    updated_at    $i64 NOT NULL,
    submitted_at  $i64,
    finished_at   $i64,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, kie_task_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id),
    FOREIGN KEY (tenant_id, hold_id) REFERENCES holds (tenant_id, id)
) $strict;
CREATE INDEX jobs_unfinished ON jobs (tenant_id, id) WHERE state NOT IN ('delivered', 'refunded');
CREATE INDEX jobs_by_user ON jobs (tenant_id, user_id, id);

CREATE TABLE history (
    id          $id_pk,
    tenant_id   TEXT NOT NULL,
    user_id     $i64 NOT NULL,
    kind        TEXT NOT NULL,
    payload     $json NOT NULL,
    created_at  $i64 NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;
CREATE INDEX history_by_user ON history (tenant_id, user_id, id);

CREATE TABLE referrals (
    tenant_id    TEXT NOT NULL,
    referred_id  $i64 NOT NULL,
    referrer_id  $i64 NOT NULL,
    created_at   $i64 NOT NULL,
    rewarded_at  $i64,
    PRIMARY KEY (tenant_id, referred_id),
    CONSTRAINT referrals_not_self CHECK (referrer_id <> referred_id),
    FOREIGN KEY (tenant_id, referred_id) REFERENCES users (tenant_id, user_id),
    FOREIGN KEY (tenant_id, referrer_id) REFERENCES users (tenant_id, user_id)
) $strict;
CREATE INDEX referrals_by_referrer ON referrals (tenant_id, referrer_id);

CREATE TABLE promo_codes (
    tenant_id        TEXT NOT NULL,
    code             TEXT NOT NULL,
    amount           $i64 NOT NULL CHECK (amount > 0),
    currency         TEXT NOT NULL CHECK (currency IN ('RUB', 'XTR')),
    max_redemptions  INTEGER CHECK (max_redemptions IS NULL OR max_redemptions > 0),
    redemptions      INTEGER NOT NULL DEFAULT 0,
    expires_at       $i64,
    active           $bool NOT NULL DEFAULT TRUE,
    created_by       $i64,
    created_at       $i64 NOT NULL,
    PRIMARY KEY (tenant_id, code),
    CONSTRAINT promo_within_limit CHECK (
        redemptions >= 0 AND (max_redemptions IS NULL OR redemptions <= max_redemptions))
) $strict;

CREATE TABLE promo_redemptions (
    tenant_id    TEXT NOT NULL,
    code         TEXT NOT NULL,
    user_id      $i64 NOT NULL,
    redeemed_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, code, user_id),
    FOREIGN KEY (tenant_id, code) REFERENCES promo_codes (tenant_id, code),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;

CREATE TABLE free_usage (
    tenant_id   TEXT NOT NULL,
    user_id     $i64 NOT NULL,
    day         TEXT NOT NULL,
    used        INTEGER NOT NULL CHECK (used >= 0),
    updated_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, user_id, day),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;

CREATE TABLE broadcasts (
    id          $id_pk,
    tenant_id   TEXT NOT NULL,
    created_by  $i64 NOT NULL,
    message     $json NOT NULL,
    state       TEXT NOT NULL
                    CHECK (state IN ('draft', 'running', 'paused', 'done', 'cancelled')),
    created_at  $i64 NOT NULL,
    updated_at  $i64 NOT NULL,
    UNIQUE (tenant_id, id)
) $strict;

CREATE TABLE broadcast_deliveries (
    tenant_id     TEXT NOT NULL,
    broadcast_id  $i64 NOT NULL,
    user_id       $i64 NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error         TEXT,
    updated_at    $i64 NOT NULL,
    PRIMARY KEY (tenant_id, broadcast_id, user_id),
    FOREIGN KEY (tenant_id, broadcast_id) REFERENCES broadcasts (tenant_id, id)
        ON DELETE CASCADE
) $strict;
CREATE INDEX deliveries_pending ON broadcast_deliveries (tenant_id, broadcast_id, user_id)
    WHERE state = 'pending';

CREATE TABLE tenant_settings (
    tenant_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       $json NOT NULL,
    updated_by  $i64,
    updated_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, key)
) $strict;

CREATE TABLE admin_audit (
    id          $id_pk,
    tenant_id   TEXT NOT NULL,
    actor_id    $i64 NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    details     $json NOT NULL,
    created_at  $i64 NOT NULL
) $strict;
CREATE INDEX admin_audit_recent ON admin_audit (tenant_id, id);
"""

SQLITE = """
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
"""

POSTGRESQL = """
CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();
"""
