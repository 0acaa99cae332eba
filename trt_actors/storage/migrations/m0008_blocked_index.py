"""Migration 8: an index of the users an admin blocked.

Each instance keeps the blocked users of its tenants in memory and re-reads them every
`nodes.terms.REFRESH_EVERY` seconds; the partial index makes that read touch only them.
"""

SHARED = """
CREATE INDEX users_admin_blocked ON users (tenant_id, user_id) WHERE is_blocked;
"""
