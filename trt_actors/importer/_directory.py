"""Reading the old bot's JSON files: `DIR/<partner>/<file>.json`, one directory per partner.

That is the old bot's `DATA_DIR` (its JSON backend), or a checkout of the `storage` branch
of its GitHub storage (`storage/<partner>/`). A directory with no partner directories but
JSON files of its own is one partner, named after the directory. Temp files and locks
(``*.tmp``, ``.*.lock``) and hidden files are not documents; a file that cannot be read or
parsed is a problem of its partner, reported, and reads as empty. Only reads.
"""

from __future__ import annotations

from pathlib import Path

from ._source import (
    DIAGNOSTICS_PARTNER,
    PartnerData,
    SourceError,
    SourceFile,
    decode_document,
    is_logical_file,
)

__all__ = ["DirectorySource"]


def _documents(directory: Path) -> list[Path]:
    return sorted(
        path for path in directory.iterdir() if path.is_file() and is_logical_file(path.name)
    )


class DirectorySource:
    """The partners of a data directory (see the module)."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise SourceError(f"{root}: not a directory")
        self.root = root

    @property
    def description(self) -> str:
        return str(self.root)

    def _partner_dirs(self) -> dict[str, Path]:
        found = {
            path.name: path
            for path in sorted(self.root.iterdir())
            if path.is_dir()
            and not path.name.startswith(".")
            and path.name != DIAGNOSTICS_PARTNER
            and _documents(path)
        }
        if not found and _documents(self.root):
            found[self.root.resolve().name] = self.root
        return found

    def partners(self) -> list[str]:
        return list(self._partner_dirs())

    def notes(self) -> list[str]:
        """Files lying in the directory itself beside partner directories are the old bot's
        untenanted leftovers: not read, and said so."""
        partners = self._partner_dirs()
        loose = (
            [p.name for p in _documents(self.root)] if self.root not in partners.values() else []
        )
        if not loose:
            return []
        return [
            f"{self.root}: {len(loose)} file(s) beside the partner directories (the old bot's"
            " files from before partners) are not read; give that directory as --from-dir"
            " (with --partner) to bring them over"
        ]

    def load(self, partner: str) -> PartnerData:
        directory = self._partner_dirs().get(partner)
        if directory is None:
            raise SourceError(f"{self.root}: no partner {partner!r}")
        files: dict[str, SourceFile] = {}
        for path in _documents(directory):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                files[path.name] = SourceFile(path.name, None, f"unreadable ({exc.strerror})")
                continue
            files[path.name] = decode_document(path.name, raw)
        return PartnerData(partner, files)
