"""Migration 4: what a running job needs beyond its state (issues 5 and 6).

- `resubmits`: how many times a task stuck in KIE's "waiting" was replaced by a new one.
  It is counted *before* the new request leaves, so a crash can never make the job loop.
- `progress_message_id`: the chat message the job edits with its progress, so a resumed job
  edits the same message instead of sending a second one.
- `cancel_requested_at`: the user pressed Cancel; the job abandons its KIE task and releases
  the hold (the request is stored, so a job that restarts still honours it).
- `redeliver_requested_at`: the user asked History to send a delivered result again.
"""

SHARED = """
ALTER TABLE jobs ADD COLUMN resubmits $i64 NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_message_id $i64;
ALTER TABLE jobs ADD COLUMN cancel_requested_at $i64;
ALTER TABLE jobs ADD COLUMN redeliver_requested_at $i64;
"""
