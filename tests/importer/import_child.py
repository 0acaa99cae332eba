"""Child process for the kill test: imports, and stops moving after the first batch.

    python -m tests.importer.import_child <source-dir> <database-url> <tenant> <batch-size>

Prints ``committed <n>`` once the first batch of users is committed (the importer calls its
progress callback only after COMMIT), then waits — for the SIGKILL the test sends.
"""

from __future__ import annotations

import sys
from pathlib import Path

import structlog
import trio

from trt_actors.importer import BatchDone, ImportPlan, run_import

from .old_bot import TODAY


async def main(source: Path, url: str, tenant: str, batch_size: int) -> None:
    async def progress(done: BatchDone) -> None:
        print(f"committed {done.done}", flush=True)
        await trio.sleep_forever()

    plan = ImportPlan(
        database_url=url,
        today=TODAY,
        source_dir=source,
        partner="partner-01",
        tenant=tenant,
        batch_size=batch_size,
    )
    await run_import(plan, progress=progress)


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    trio.run(main, Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
