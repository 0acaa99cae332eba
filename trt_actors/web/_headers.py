"""Case-insensitive, read-only request headers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class Headers(Mapping[str, str]):
    """Header fields of one request, looked up case-insensitively.

    `headers["Content-Type"]` and `headers["content-type"]` are the same field. A field sent
    several times reads as its values joined by ", " (RFC 9110 §5.3); `get_all` returns them
    one by one.
    """

    __slots__ = ("_items", "_joined")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(k.lower(), v) for k, v in items]
        joined: dict[str, str] = {}
        for name, value in self._items:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        self._joined = joined

    @classmethod
    def from_raw(cls, raw: Iterable[tuple[bytes, bytes]]) -> Headers:
        """Build from h11's (already lower-cased) byte pairs, decoded as Latin-1."""
        return cls((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)

    def __getitem__(self, name: str) -> str:
        return self._joined[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._joined

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined)

    def __len__(self) -> int:
        return len(self._joined)

    def get_all(self, name: str) -> list[str]:
        """Every value of the field `name`, in the order received."""
        key = name.lower()
        return [v for k, v in self._items if k == key]

    def items_raw(self) -> list[tuple[str, str]]:
        """All fields as received (names lower-cased), duplicates kept."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"
