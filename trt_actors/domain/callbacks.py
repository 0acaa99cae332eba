"""The callback data codec: compact, versioned, always within Telegram's 64 bytes.

A button's data is ``v1|<code>|<arg>|<arg>…``: a version, a short code naming a screen or an
action, and short arguments (catalog ids, indexes, the wizard's serial number) — never the
values themselves. `decode` never raises: data from another version, from an older layout or
plain garbage decodes to None, and the handler answers it with the current screen.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from typing import Self

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit on callback_data, in bytes
SEPARATOR = "|"
MAX_DIGITS = 18  # a number argument: below 2**63
_ARG = re.compile(r"[A-Za-z0-9_.:\-]{1,32}")  # ids, indexes, language codes
_CODE = re.compile(r"[a-z?]{1,3}")


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button press: the code and its arguments (all text)."""

    code: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None

    def number(self, index: int) -> int | None:
        """Argument `index` as a non-negative integer of at most 18 digits (it fits the
        64-bit columns storage keeps ids in: Telegram's user ids have 10 digits), or None."""
        value = self.arg(index)
        if value is None or not (value.isascii() and value.isdigit()) or len(value) > MAX_DIGITS:
            return None
        return int(value)


def encode(code: str, *args: str | int) -> str:
    """The callback data for `code` and `args`. Raises ValueError for a code or an argument
    the codec cannot carry, or a result over 64 bytes: those are programming errors."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"bad callback code {code!r}")
    parts = [VERSION, code]
    for arg in args:
        text = str(arg)
        if not _ARG.fullmatch(text):
            raise ValueError(f"bad callback argument {text!r}")
        parts.append(text)
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def fits(arg: str) -> bool:
    """True when `arg` can be a callback argument (ids, codes: see `encode`)."""
    return bool(_ARG.fullmatch(arg))


def decode(data: str) -> Press | None:
    """The press `data` encodes, or None when it is not this version's well-formed data."""
    if not isinstance(data, str) or len(data.encode(errors="replace")) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 2 or parts[0] != VERSION or not _CODE.fullmatch(parts[1]):
        return None
    args = tuple(parts[2:])
    if not all(_ARG.fullmatch(arg) for arg in args):
        return None
    return Press(parts[1], args)


def path_of(press: Press) -> str:
    """The press without the version: how the state remembers the screen it shows."""
    return SEPARATOR.join((press.code, *press.args))


def parse_path(path: str) -> Press | None:
    """A stored screen path back into a press (None when the path is not well formed)."""
    return decode(f"{VERSION}{SEPARATOR}{path}") if isinstance(path, str) else None


class Args:
    """Base of a press's typed arguments: a frozen dataclass whose fields, in order, are the
    press's arguments — `int` (a non-negative number of at most 18 digits) or `str` (an id
    the codec carries); fields with defaults may be left out at the end. `parse` never
    raises: arguments that do not fit give None, and the handler treats the press as stale.

        @dataclass(frozen=True, slots=True)
        class JobArgs(Args):
            job_id: int

        JobArgs.parse(Press("jo", ("17",)))  # JobArgs(job_id=17)
        encode("jo", *JobArgs(17).values())  # "v1|jo|17"
    """

    __slots__ = ()

    @classmethod
    def parse(cls, press: Press) -> Self | None:
        kinds = _field_kinds(cls)
        if len(press.args) > len(kinds):
            return None
        values: list[int | str] = []
        for index, (kind, required) in enumerate(kinds):
            raw = press.arg(index)
            if raw is None:
                if required:
                    return None
                break
            if kind is int:
                number = press.number(index)
                if number is None:
                    return None
                values.append(number)
            else:
                values.append(raw)
        return cls(*values)

    def values(self) -> tuple[int | str, ...]:
        """The arguments to encode, in order."""
        return tuple(getattr(self, field.name) for field in dataclasses.fields(self))  # type: ignore[arg-type]


_KINDS: dict[type, tuple[tuple[type, bool], ...]] = {}


def _field_kinds(cls: type) -> tuple[tuple[type, bool], ...]:
    """Each field's kind (int or str) and whether it is required, read once per class."""
    known = _KINDS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    kinds = []
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if kind not in (int, str):
            raise TypeError(f"{cls.__name__}.{field.name}: a press argument is int or str")
        required = (
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        )
        kinds.append((kind, required))
    _KINDS[cls] = tuple(kinds)
    return _KINDS[cls]


@dataclass(frozen=True, slots=True)
class Page(Args):
    """A page of a list (History, the admin's jobs), the first when left out."""

    page: int = 0
