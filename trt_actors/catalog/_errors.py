"""The catalog's errors: one `CatalogError` listing every problem found in the files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One problem in the catalog files.

    `where` names the file, the model id and the field path
    (``models/text_to_video.yaml: model 'kling-2-6-t2v': pricing.skus[2].when.sound``).
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be used; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"the model catalog has {len(self.problems)} problem(s):\n{lines}")


class PayloadError(ValueError):
    """A KIE request cannot be built: the parameters or the media do not fit the model."""
