"""Entity parsing for `parse_mode` (HTML, MarkdownV2, Markdown), close to Telegram's rules.

`parse_formatted(text, parse_mode)` returns the plain text a user would see and its
entities (offsets in UTF-16 code units), or raises `EntityError` with Telegram's wording
("can't parse entities: ..."). Lengths are then checked on the plain text, as Telegram
checks "1-4096 characters after entities parsing".
"""

from __future__ import annotations

from trt_actors.emulators.telegram._entities import (
    Builder,
    EntityError,
    FormattedText,
    byte_offset,
    utf16_len,
)
from trt_actors.emulators.telegram._html import parse_html

__all__ = ["EntityError", "FormattedText", "parse_formatted", "utf16_len"]

MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_KINDS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


class _MarkdownV2:
    """A scanner for MarkdownV2: escapes, nested markers, links, code and pre blocks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = Builder()
        self.stack: list[tuple[str, int, int]] = []  # marker, entity start, source index

    def parse(self) -> FormattedText:
        i, text = 0, self.text
        while i < len(text):
            i = self._step(i)
        if self.stack:
            marker, _, index = self.stack[-1]
            raise EntityError(
                f"Can't find end of {_MD2_KINDS.get(marker, 'the')} entity at byte offset "
                f"{byte_offset(text, index)}"
            )
        return self.out.result()

    def _step(self, i: int) -> int:
        char = self.text[i]
        if char == "\\":
            if i + 1 >= len(self.text) or not 0 < ord(self.text[i + 1]) < 127:
                raise self._reserved(i)
            self.out.add(self.text[i + 1])
            return i + 2
        in_code = bool(self.stack) and self.stack[-1][0] in ("`", "```")
        if in_code and char != "`":
            self.out.add(char)
            return i + 1
        if char == "`":
            return self._code(i)
        return self._markup(i)

    def _markup(self, i: int) -> int:
        text, char = self.text, self.text[i]
        for marker in ("||", "__", "*", "_", "~"):
            if text.startswith(marker, i):
                self._toggle(marker, i)
                return i + len(marker)
        if char == "[" or (char == "!" and text.startswith("![", i)):
            self.stack.append(("[", self.out.offset, i))
            return i + (2 if char == "!" else 1)
        if char == "]":
            return self._link_end(i)
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char in MARKDOWN_V2_RESERVED and not (char == ">" and at_line_start):
            raise self._reserved(i)
        if char != ">" or not at_line_start:
            self.out.add(char)
        return i + 1

    def _reserved(self, i: int) -> EntityError:
        return EntityError(
            f"Character '{self.text[i]}' is reserved and must be escaped with the preceding '\\'"
        )

    def _toggle(self, marker: str, i: int) -> None:
        if self.stack and self.stack[-1][0] == marker:
            _, start, _ = self.stack.pop()
            self.out.entity(_MD2_KINDS[marker], start)
        elif any(m == marker for m, _, _ in self.stack):
            raise EntityError(
                f"Can't find end of {_MD2_KINDS[marker]} entity at byte offset "
                f"{byte_offset(self.text, i)}"
            )
        else:
            self.stack.append((marker, self.out.offset, i))

    def _code(self, i: int) -> int:
        marker = "```" if self.text.startswith("```", i) else "`"
        if self.stack and self.stack[-1][0] == marker:
            _, start, _ = self.stack.pop()
            self.out.entity("pre" if marker == "```" else "code", start)
            return i + len(marker)
        self.stack.append((marker, self.out.offset, i))
        i += len(marker)
        if marker == "```":
            newline = self.text.find("\n", i)
            if newline >= 0 and " " not in self.text[i:newline]:
                i = newline + 1
        return i

    def _link_end(self, i: int) -> int:
        if not self.stack or self.stack[-1][0] != "[":
            raise self._reserved(i)
        _, start, _ = self.stack.pop()
        if not self.text.startswith("(", i + 1):
            raise self._reserved(i)
        j, url = i + 2, []
        while j < len(self.text) and self.text[j] != ")":
            if self.text[j] == "\\" and j + 1 < len(self.text):
                j += 1
            url.append(self.text[j])
            j += 1
        if j >= len(self.text):
            raise EntityError(
                f"Can't find end of a url at byte offset {byte_offset(self.text, i + 1)}"
            )
        self.out.entity("text_link", start, url="".join(url))
        return j + 1


def _parse_markdown(text: str) -> FormattedText:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = Builder()
    i = 0
    kinds = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "*_`[":
            out.add(text[i + 1])
            i += 2
            continue
        marker = "```" if text.startswith("```", i) else char
        if marker in kinds:
            end = text.find(marker, i + len(marker))
            if end < 0:
                raise EntityError(
                    f"Can't find end of the entity starting at byte offset {byte_offset(text, i)}"
                )
            start = out.offset
            out.add(text[i + len(marker) : end])
            out.entity(kinds[marker], start)
            i = end + len(marker)
            continue
        if char == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                start = out.offset
                out.add(text[i + 1 : close])
                out.entity("text_link", start, url=text[close + 2 : end])
                i = end + 1
                continue
        out.add(char)
        i += 1
    return out.result()


def parse_formatted(text: str, parse_mode: str | None) -> FormattedText:
    """Parse `text` under `parse_mode` (None: plain); raises EntityError when malformed.

    An unknown parse mode raises `ValueError` ("unsupported parse_mode").
    """
    if not parse_mode:
        return FormattedText(text)
    mode = parse_mode.lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return _MarkdownV2(text).parse()
        if mode == "markdown":
            return _parse_markdown(text)
    except EntityError as exc:
        raise EntityError(f"can't parse entities: {exc}") from None
    raise ValueError("unsupported parse_mode")
