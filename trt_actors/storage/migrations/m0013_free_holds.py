"""Migration 13: free generations reserved at Confirm (`free_holds`), like money holds.

A free generation used to be counted at delivery, so several free jobs confirmed before any
was delivered all passed the check. Now Confirm reserves one: a row here, keyed like the
money hold by the confirmation's idempotency key, that took either one of the day's quota
uses (`free_usage.used` counts it at once) or one bonus generation (a -1 row of
`free_bonus`). Delivery captures it (it stays used); a failure, a timeout or a Cancel
releases it (the quota use of its day or the bonus generation is given back), once.
"""

SHARED = """
CREATE TABLE free_holds (
    id               $id_pk,
    tenant_id        TEXT NOT NULL,
    user_id          $i64 NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('quota', 'bonus')),
    day              TEXT,
    status           TEXT NOT NULL CHECK (status IN ('held', 'captured', 'released')),
    idempotency_key  TEXT NOT NULL,
    job_id           $i64,
    created_at       $i64 NOT NULL,
    settled_at       $i64,
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
) $strict;
CREATE INDEX free_holds_by_job ON free_holds (tenant_id, job_id);
CREATE INDEX free_holds_by_user ON free_holds (tenant_id, user_id, status);
"""
