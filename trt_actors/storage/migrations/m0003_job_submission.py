"""Migration 3: when a job's submission to KIE began (`submit_started_at`).

A job is marked before the request to KIE leaves and gets its task id after: a job found with
`submit_started_at` set and no task id was interrupted mid-submission, and KIE may or may not
have created (and charged for) a task. Such a job is never submitted again automatically —
that could pay for a second task silently — it fails, its hold is released, and the user is
offered a retry.
"""

SHARED = """
ALTER TABLE jobs ADD COLUMN submit_started_at $i64;
"""
