"""Migration 11: partitions of users, for several instances serving one bot.

Each inbox row records the partition of the user it comes from (`user_partition`, 0-255,
computed by the application: trt_actors/cluster; -1 for rows stored before this migration,
assigned once at start), so that the owner of a partition finds its pending rows by index.
`partition_fences` keeps, per partition, the highest fencing token that wrote: a write under
a lower one — from an owner that lost its lease and does not know it yet — is refused.
"""

SHARED = """
ALTER TABLE inbox ADD COLUMN user_partition INTEGER NOT NULL DEFAULT -1;
CREATE INDEX inbox_pending_partition ON inbox (tenant_id, user_partition, update_id)
    WHERE state = 'pending';
CREATE TABLE partition_fences (
    tenant_id       TEXT NOT NULL,
    user_partition  INTEGER NOT NULL,
    token           $i64 NOT NULL,
    PRIMARY KEY (tenant_id, user_partition)
) $strict;
"""
