"""The money tests run on both backends, with the storage tests' fixtures."""

from tests.storage.conftest import (  # noqa: F401  (fixtures)
    backend,
    fresh_pg_url,
    fresh_url,
    store,
)
