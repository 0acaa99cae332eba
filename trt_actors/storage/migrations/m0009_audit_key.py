"""Migration 9: an idempotency key for audit entries.

An admin action performed again (its update handled again after a crash, or replayed) must
not be logged twice, and must find what the first time did: `op_key`, unique per tenant when
set, replaces scanning the latest entries for a key kept in `details`.
"""

SHARED = """
ALTER TABLE admin_audit ADD COLUMN op_key TEXT;
CREATE UNIQUE INDEX admin_audit_op_key ON admin_audit (tenant_id, op_key)
    WHERE op_key IS NOT NULL;
"""
