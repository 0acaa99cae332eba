"""Bringing a deployment of the old bot ("TRT") over: `trt import trt`.

The old bot keeps its data as one JSON document per (partner, logical file) — rows of the
PostgreSQL table `storage_json` (plus a `referrals` table), or files in a directory per
partner — with money in float rubles and several shapes per kind of record
(reference: docs/migration.md). The import has two halves:

- reading, pure: `extract` turns one partner's documents (`PartnerData`, handed over by a
  reader: `DirectorySource`, `DatabaseSource`) into checked records and `Findings` (what is
  skipped and why, amounts the money rule adjusted — `to_kopecks` — and notes);
- writing: `write_extract` brings the records into our storage in batches, each record
  remembered by its identity in the source, so a run is idempotent and resumable.

`run_import(ImportPlan)` does both for the chosen partners and returns a `Report` (text and
JSON). The source is never written to.
"""

from ._database import DatabaseSource
from ._directory import DirectorySource
from ._extract import Extract, extract, source_name
from ._findings import Adjustment, Findings, Skipped
from ._money import Rubles, Verdict, to_kopecks
from ._report import MoneyCheck, PartnerReport, Report
from ._run import ImportFailed, ImportPlan, run_import
from ._source import PartnerData, Source, SourceError, SourceFile, decode_document
from ._writer import BatchDone, Progress, Tally, Written, write_extract

__all__ = [
    "Adjustment",
    "BatchDone",
    "DatabaseSource",
    "DirectorySource",
    "Extract",
    "Findings",
    "ImportFailed",
    "ImportPlan",
    "MoneyCheck",
    "PartnerData",
    "PartnerReport",
    "Progress",
    "Report",
    "Rubles",
    "Skipped",
    "Source",
    "SourceError",
    "SourceFile",
    "Tally",
    "Verdict",
    "Written",
    "decode_document",
    "extract",
    "run_import",
    "source_name",
    "to_kopecks",
    "write_extract",
]
