"""Migration 10: the instances registry.

Every `trt run` that uses the database keeps a row here while it runs (refreshed every few
seconds), saying where it runs, how it coordinates with other instances and whether it serves:
several instances on one database must share one Redis, and one that finds another without it
waits as a standby instead of serving (docs/scale-out.md).
"""

SHARED = """
CREATE TABLE instances (
    instance_id   TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    $i64 NOT NULL,
    seen_at       $i64 NOT NULL,
    coordination  TEXT NOT NULL,
    serving       $bool NOT NULL
) $strict;
"""
