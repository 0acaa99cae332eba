"""Migration 2: correlation records — the path of one update through the service.

Each row is one step (intake, session, outbound call, job, KIE task) of the update or job
named by `correlation_id`, written in batches by the correlation flush actor, so that an admin
can look up a correlation id and see its whole path. Old rows are purged by age.
"""

SHARED = """
CREATE TABLE correlations (
    id              $id_pk,
    tenant_id       TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    step            TEXT NOT NULL,
    detail          $json NOT NULL,
    at              $i64 NOT NULL
) $strict;
CREATE INDEX correlations_by_id ON correlations (tenant_id, correlation_id, id);
CREATE INDEX correlations_by_age ON correlations (tenant_id, at);
"""
