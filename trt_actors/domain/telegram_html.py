"""Telegram's HTML formatting (`parse_mode: HTML`), checked before anything is sent.

`check_html(source, limit=…)` answers `Formatted` — the text users will see, tags gone and
entities decoded — or the first `HtmlProblem`: what is wrong (a code, also the suffix of its
text key ``adm_html_<code>``), with the values its text names, the line and a fragment of the
source around it. Pure: no I/O, never raises for any input.

It accepts the subset Telegram documents for HTML: ``b``, ``strong``, ``i``, ``em``, ``u``,
``ins``, ``s``, ``strike``, ``del``, ``a href``, ``code``, ``pre``, ``tg-spoiler``,
``span class="tg-spoiler"`` and ``blockquote`` (``expandable`` too); the named entities
``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` and numeric ones. What Telegram refuses ("can't parse
entities") it refuses; where Telegram would send something other than what was meant it is
stricter, and says so:

- a link must have ``href`` with an ``http://``, ``https://`` or ``tg://`` address (Telegram
  silently drops a link it cannot use, leaving plain text);
- ``&name;`` must be one of the four named entities (Telegram shows an unknown one as typed),
  and a numeric one must name a character;
- ``tg-emoji`` and ``tg-time`` are refused: custom emoji need a bot with a Fragment username,
  and neither belongs in a broadcast.

As in Telegram, the ``;`` of ``&lt`` ``&gt`` ``&amp`` ``&quot`` is optional and a bare ``&``
followed by anything else is an ampersand ("Tom & Jerry").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

TAGS = frozenset(
    {
        *("b", "strong", "i", "em", "u", "ins", "s", "strike", "del"),
        *("a", "code", "pre", "tg-spoiler", "span", "blockquote"),
    }
)
NAMED_ENTITIES: Mapping[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
LINK_SCHEMES = ("http://", "https://", "tg://")
PROBLEMS = frozenset(
    {
        "stray_lt",  # a "<" that opens no tag
        "unknown_tag",  # {tag}
        "unclosed_start",  # {tag}: no ">" before the end
        "bad_attribute",  # {tag}: an attribute Telegram cannot read
        "unexpected_end",  # {tag}: closes nothing
        "mismatched_end",  # {found} where {expected} should close first
        "unclosed_end",  # {tag}: "</tag" with no ">"
        "not_closed",  # {tag}: opened, never closed
        "bad_entity",  # {entity}
        "no_href",  # <a> without href
        "bad_link",  # {href}: not http(s):// or tg://
        "span_class",  # <span> without class="tg-spoiler"
        "empty",  # nothing left to show
        "too_long",  # {length} > {limit}
    }
)

_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]*)|#([0-9]*)|([A-Za-z]*))(;?)")
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTRIBUTE_NAME = re.compile(r"[^\s=>/\"']+")
_UNQUOTED = re.compile(r"[A-Za-z0-9.\-]*")
_SPACE = re.compile(r"\s*")
_HOST = re.compile(r"[^\s/?#]+")
_NEAR = 24  # characters of source shown on each side of a problem


@dataclass(frozen=True, slots=True)
class HtmlProblem:
    """The first thing wrong with the markup: `code` (one of `PROBLEMS`), the values its
    text uses, the 1-based line and a one-line fragment of the source around it."""

    code: str
    line: int
    near: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Formatted:
    """Markup that Telegram will take: `text` is what users see."""

    text: str


class _Stop(Exception):
    def __init__(self, problem: HtmlProblem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def check_html(source: str, *, limit: int, allow_empty: bool = False) -> Formatted | HtmlProblem:
    """Check `source` as Telegram HTML: what users will see, or the first problem.

    `limit` is Telegram's length after entity parsing (4096 for a text, 1024 for a caption);
    `allow_empty` accepts markup with nothing to show (a photo without a caption)."""
    scan = _Scan(source)
    try:
        shown = scan.run()
    except _Stop as stop:
        return stop.problem
    visible = shown.strip()
    if not visible and not allow_empty:
        return scan.problem("empty", len(source))
    if len(visible) > limit:
        return scan.problem("too_long", len(source), length=str(len(visible)), limit=str(limit))
    return Formatted(shown)


def plain_text(source: str) -> str:
    """What users see of markup already checked (the markup itself when it does not parse)."""
    checked = check_html(source, limit=len(source) + 1, allow_empty=True)
    return checked.text if isinstance(checked, Formatted) else source


class _Scan:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.open: list[tuple[str, int]] = []  # tag name, where its "<" is

    def problem(self, code: str, at: int, **values: str) -> HtmlProblem:
        line = self.source.count("\n", 0, at) + 1
        start, end = max(0, at - _NEAR), min(len(self.source), at + _NEAR)
        near = " ".join(self.source[start:end].split())
        near = ("…" if start > 0 else "") + near + ("…" if end < len(self.source) else "")
        return HtmlProblem(code, line, near, values)

    def stop(self, code: str, at: int, **values: str) -> _Stop:
        return _Stop(self.problem(code, at, **values))

    def run(self) -> str:
        source, i = self.source, 0
        while (found := _SPECIAL.search(source, i)) is not None:
            self.out.append(source[i : found.start()])
            i = found.start()
            i = self._entity(i, self.out) if source[i] == "&" else self._tag(i)
        self.out.append(source[i:])
        if self.open:
            tag, at = self.open[-1]
            raise self.stop("not_closed", at, tag=tag)
        return "".join(self.out)

    def _entity(self, i: int, out: list[str]) -> int:
        """Decode the reference at `i` into `out`, as Telegram does; a "&" that starts none
        is itself. Refused: a reference to no character, and `&name;` Telegram would show
        as typed (the writer meant a character: `&nbsp;`, `&mdash;`)."""
        match = _ENTITY.match(self.source, i)
        assert match is not None  # the pattern matches a lone "&"
        hexadecimal, decimal, name, semicolon = match.groups()
        digits = hexadecimal if hexadecimal is not None else decimal
        if digits is not None:
            if not digits:
                out.append("&")
                return i + 1
            code = int(digits, 16 if hexadecimal is not None else 10)
            too_long = match.end() - len(semicolon) - i >= 10
            if too_long or not 0 < code < 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.stop("bad_entity", i, entity=match.group(0))
            out.append(chr(code))
        elif name in NAMED_ENTITIES:
            out.append(NAMED_ENTITIES[name])
        elif name and semicolon:
            raise self.stop("bad_entity", i, entity=match.group(0))
        else:
            out.append("&")
            return i + 1
        return match.end()

    def _tag(self, i: int) -> int:
        source = self.source
        if source.startswith("</", i):
            return self._end_tag(i)
        name_match = _TAG_NAME.match(source, i + 1)
        assert name_match is not None  # the pattern matches the empty string
        name = name_match.group(0).lower()
        if not name or not ("a" <= name[0] <= "z"):
            raise self.stop("stray_lt", i)
        if name_match.end() >= len(source):
            raise self.stop("unclosed_start", i, tag=name)
        if name not in TAGS:
            raise self.stop("unknown_tag", i, tag=name)
        attributes, after = self._attributes(name, i, name_match.end())
        if name == "a":
            href = attributes.get("href")
            if href is None:
                raise self.stop("no_href", i)
            if not _is_link(href):
                raise self.stop("bad_link", i, href=href or '""')
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self.stop("span_class", i)
        self.open.append((name, i))
        return after

    def _attributes(self, tag: str, start: int, i: int) -> tuple[dict[str, str], int]:
        """The attributes of the tag opened at `start`, read from `i`; and where it ends."""
        source, attributes = self.source, dict[str, str]()
        while True:
            i = self._skip_space(i)
            if i >= len(source):
                raise self.stop("unclosed_start", start, tag=tag)
            if source[i] == ">":
                return attributes, i + 1
            name = _ATTRIBUTE_NAME.match(source, i)
            if name is None:
                raise self.stop("bad_attribute", i, tag=tag)
            i = self._skip_space(name.end())
            value = ""
            if i < len(source) and source[i] == "=":
                value, i = self._value(tag, start, self._skip_space(i + 1))
            attributes[name.group(0).lower()] = value

    def _value(self, tag: str, start: int, i: int) -> tuple[str, int]:
        source = self.source
        if i >= len(source):
            raise self.stop("unclosed_start", start, tag=tag)
        quote = source[i]
        if quote in "\"'":
            end = source.find(quote, i + 1)
            if end < 0:
                raise self.stop("unclosed_start", start, tag=tag)
            decoded: list[str] = []
            j = i + 1
            while (amp := source.find("&", j, end)) >= 0:
                decoded.append(source[j:amp])
                j = self._entity(amp, decoded)
            decoded.append(source[j:end])
            return "".join(decoded), end + 1
        token = _UNQUOTED.match(source, i)
        assert token is not None  # the pattern matches the empty string
        after = token.end()
        if after < len(source) and not source[after].isspace() and source[after] != ">":
            raise self.stop("bad_attribute", i, tag=tag)  # Telegram: "end of name token"
        return token.group(0).lower(), after

    def _end_tag(self, i: int) -> int:
        source = self.source
        name_match = _TAG_NAME.match(source, i + 2)
        assert name_match is not None
        name = name_match.group(0)  # Telegram compares it as written: </B> does not close <b>
        after = self._skip_space(name_match.end())
        if after >= len(source) or source[after] != ">":
            raise self.stop("unclosed_end", i, tag=name)
        if not self.open:
            raise self.stop("unexpected_end", i, tag=name)
        expected = self.open[-1][0]
        if name and name != expected:
            raise self.stop("mismatched_end", i, found=name, expected=expected)
        self.open.pop()
        return after + 1

    def _skip_space(self, i: int) -> int:
        space = _SPACE.match(self.source, i)
        assert space is not None
        return space.end()


def _is_link(href: str) -> bool:
    """An address Telegram opens as a link: http(s):// with a host, or tg://<something>."""
    lowered = href.lower()
    scheme = next((s for s in LINK_SCHEMES if lowered.startswith(s)), None)
    if scheme is None or any(c.isspace() or ord(c) < 32 for c in href):
        return False
    rest = href[len(scheme) :]
    if scheme == "tg://":
        return bool(rest)
    return _HOST.match(rest) is not None
