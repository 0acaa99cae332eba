"""The callback data codec: compact, versioned, always within Telegram's 64 bytes.

A button's data is ``v1|<code>|<arg>|<arg>…``: a version, a short code naming a screen or an
action, and short arguments (catalog ids, indexes, the wizard's serial number) — never the
values themselves. `decode` never raises: data from another version, from an older layout or
plain garbage decodes to None, and the handler answers it with the current screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit on callback_data, in bytes
SEPARATOR = "|"
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
        """Argument `index` as a non-negative integer, or None."""
        value = self.arg(index)
        return int(value) if value is not None and value.isdigit() and len(value) < 9 else None


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
