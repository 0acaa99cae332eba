"""Migration 12: what an update's operations answered, until the update is done.

The session performs an update's operations in one transaction and makes the Bot API calls
their answers ask for afterwards; a crash (kill -9, a lost instance) between the two hands
the update to a new attempt, whose operations find their work done. Performed again they
change nothing, but their answer could differ ("this screenshot is already under review"
instead of the admins' notice), and the calls of the first answer would be lost. So the
first answer is kept here, in the operations' own transaction, and a new attempt of the same
update answers with it; the row goes when the update is marked done.
"""

SHARED = """
CREATE TABLE operation_results (
    tenant_id   TEXT NOT NULL,
    update_id   $i64 NOT NULL,
    body        $bytes NOT NULL,
    created_at  $i64 NOT NULL,
    PRIMARY KEY (tenant_id, update_id)
) $strict;
"""
