"""Collecting catalog problems with the place each one was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ._errors import CatalogProblem
from ._exact import exact


@dataclass
class Problems:
    """A list of problems; `at(path)` gives a child that prefixes its field path."""

    where: str
    found: list[CatalogProblem] = field(default_factory=list)
    path: str = ""

    def at(self, path: str) -> Problems:
        joined = (
            f"{self.path}.{path}" if self.path and not path.startswith("[") else self.path + path
        )
        return Problems(self.where, self.found, joined)

    def add(self, message: str) -> None:
        where = f"{self.where}: {self.path}" if self.path else self.where
        self.found.append(CatalogProblem(where, message))

    def exact(
        self, value: Any, *, money: bool = False, positive: bool = False, signed: bool = False
    ) -> Fraction | None:
        """`value` as a Fraction, or None after recording why it is not one.

        Money (`money=True`) must be an integer or a quoted decimal: a YAML float is an error.
        """
        try:
            number = exact(value, allow_float_text=not money)
        except TypeError as error:
            if money and isinstance(value, float):
                self.add(
                    f"money must be an integer or a quoted decimal, not the float {value!r}: "
                    f'write "{value}"'
                )
            else:
                self.add(str(error))
            return None
        except ValueError as error:
            self.add(str(error))
            return None
        if (number < 0 and not signed) or (positive and number <= 0):
            self.add(f"must be {'positive' if positive else 'zero or more'}, not {value}")
            return None
        return number
