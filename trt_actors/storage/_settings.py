"""The overrides of a tenant's terms: named JSON values an admin changes at run time (the
terms themselves: `domain.tenant_settings.TenantSettings`)."""

from __future__ import annotations

from typing import Any

from ._repo import Repo, check_text
from ._sql import dump_json, load_json

__all__ = ["TermOverrides"]


class TermOverrides(Repo):
    """Read and write the bound tenant's overrides (`tx.settings`)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key`, or `default` when it was never set."""
        row = self._db.one(
            "SELECT value FROM tenant_settings WHERE tenant_id = :t AND key = :k",
            self._params(k=key),
        )
        return default if row is None else load_json(row["value"])

    def set(self, key: str, value: Any, *, updated_by: int | None = None) -> None:
        """Store `value` (anything JSON can hold) under `key`."""
        self._db.run(
            """INSERT INTO tenant_settings (tenant_id, key, value, updated_by, updated_at)
               VALUES (:t, :k, :v, :by, :now)
               ON CONFLICT (tenant_id, key) DO UPDATE SET
                   value = excluded.value, updated_by = excluded.updated_by,
                   updated_at = excluded.updated_at""",
            self._params(k=check_text("key", key), v=dump_json(value), by=updated_by),
        )

    def delete(self, key: str) -> bool:
        """Remove `key`; True if it was set."""
        return bool(
            self._db.run(
                "DELETE FROM tenant_settings WHERE tenant_id = :t AND key = :k",
                self._params(k=key),
            )
        )

    def all(self) -> dict[str, Any]:
        """Every setting of the tenant."""
        rows = self._db.execute(
            "SELECT key, value FROM tenant_settings WHERE tenant_id = :t ORDER BY key",
            self._params(),
        )
        return {row["key"]: load_json(row["value"]) for row in rows}
