"""`parse_mode: HTML` as Telegram parses it (TDLib's `parse_html`, checked against its tests).

What Telegram does, and so what this does:

- ``&lt`` ``&gt`` ``&amp`` ``&quot`` (the ``;`` is optional) and numeric references
  (``&#60;``, ``&#x3c;``; under ten characters, not 0) are decoded; any other ``&`` is shown
  as it is (``&nbsp;`` stays ``&nbsp;``). A reference to a lone surrogate is an error.
- A tag name runs to the next space or ``>`` and is lowercased; a name that is not one of
  the supported tags is "Unsupported start tag" — a bare ``<`` too (its name is empty), a
  comment (``!--``), ``br``. A start tag that never ends is "Unclosed start tag".
- Attributes are ``name``, ``name=token`` (letters, digits, ``.``, ``-``) or
  ``name="string"``; an empty name, a token that ends in anything but a space or ``>``, or
  a string that runs to the end is an error. Unknown attributes are ignored.
- ``span`` must have ``class="tg-spoiler"``. ``tg-emoji`` needs a numeric ``emoji-id``.
- An end tag must close the innermost open one *as written* (``</B>`` does not close
  ``<b>``); ``</>`` closes whatever is open. An end tag with nothing open is "Unexpected end
  tag"; a start tag never closed is "Can't find end tag corresponding to start tag".
- A link whose address Telegram cannot use (``javascript:…``, an empty host) is silently
  dropped, its text kept; an address without a scheme gets ``http://``; ``<a>`` without
  ``href`` links its own text when that is an address.
- ``<pre><code class="language-x">`` (either way round) is one ``pre`` entity with language
  ``x``; ``blockquote`` with an ``expandable`` attribute is an ``expandable_blockquote``.

Errors carry Telegram's wording and the UTF-8 byte offset of the tag's ``<``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trt_actors.emulators.telegram._entities import (
    Builder,
    EntityError,
    FormattedText,
    byte_offset,
)

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_HOST = re.compile(r"[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+(:[0-9]{1,5})?")
_LANGUAGE = "_language"  # a code entity's language until its pre closes (then dropped)


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset of the entity's start in the plain text
    part: int  # index into the builder's parts where its text starts
    where: int  # index of its "<" in the source


def parse_html(text: str) -> FormattedText:
    """The plain text and entities of `text`; raises `EntityError` (Telegram's words)."""
    return _Scan(text).parse()


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out = Builder()
        self.open: list[_Open] = []

    def error(self, message: str, at: int | None = None) -> EntityError:
        where = "" if at is None else f" at byte offset {byte_offset(self.text, at)}"
        return EntityError(f"{message}{where}")

    def parse(self) -> FormattedText:
        text, i = self.text, 0
        while (found := _SPECIAL.search(text, i)) is not None:
            self.out.add(text[i : found.start()])
            i = found.start()
            if text[i] == "&":
                decoded, after = self.entity(i)
                self.out.add(decoded)
                i = after
            elif text.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        self.out.add(text[i:])
        if self.open:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].tag}"'
            )
        result = self.out.result()
        for entity in result.entities:
            entity.pop(_LANGUAGE, None)
        return result

    def entity(self, i: int) -> tuple[str, int]:
        """The character the reference at `i` stands for and where it ends; a "&" that
        starts no reference Telegram knows is itself."""
        text, j = self.text, i + 1
        if text.startswith("#", j):
            j += 1
            hexadecimal = text.startswith("x", j)
            j += hexadecimal
            start = j
            while j < len(text) and text[j] in (
                "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            ):
                j += 1
            digits = text[start:j]
            code = int(digits, 16 if hexadecimal else 10) if digits and j - i < 10 else 0
            if not 0 < code < 0x10FFFF:
                return "&", i + 1
            if 0xD800 <= code <= 0xDFFF:
                raise EntityError(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            character = chr(code)
        else:
            start = j
            while j < len(text) and text[j].isascii() and text[j].isalpha():
                j += 1
            if text[start:j] not in _NAMED:
                return "&", i + 1
            character = _NAMED[text[start:j]]
        return character, j + 1 if text.startswith(";", j) else j

    def start_tag(self, begin: int) -> int:
        text, i = self.text, begin + 1
        while i < len(text) and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= len(text):
            raise self.error("Unclosed start tag", begin)
        tag = text[begin + 1 : i].lower()
        if tag not in TAGS:
            raise self.error(f'Unsupported start tag "{tag}"', begin)
        argument, i = self.attributes(tag, begin, i)
        if tag == "span" and argument != "spoiler":
            raise self.error('Tag "span" must have class "tg-spoiler"', begin)
        self.open.append(_Open(tag, argument, self.out.offset, len(self.out.parts), begin))
        return i + 1

    def attributes(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        """What the tag opened at `begin` keeps of its attributes (read from `i`), and
        where its ">" is."""
        text, argument = self.text, ""
        while True:
            i = self.skip_space(i)
            if i < len(text) and text[i] == ">":
                return argument, i
            name_start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "=>":
                i += 1
            name = text[name_start:i]
            if not name:
                raise self.error(f'Empty attribute name in the tag "{tag}"', begin)
            i = self.skip_space(i)
            if i >= len(text) or text[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                continue
            i = self.skip_space(i + 1)
            if i >= len(text):
                raise self.error(f'Unclosed start tag "{tag}"', begin)
            value, i = self.value(i)
            if i >= len(text):
                raise self.error("Unclosed start tag", begin)
            argument = _argument(tag, name, value, argument)

    def skip_space(self, i: int) -> int:
        while i < len(self.text) and self.text[i].isspace():
            i += 1
        return i

    def value(self, i: int) -> tuple[str, int]:
        text = self.text
        if text[i] not in "\"'":
            token = _TOKEN.match(text, i)
            assert token is not None  # the pattern matches the empty string
            after = token.end()
            if after < len(text) and not text[after].isspace() and text[after] != ">":
                raise self.error("Unexpected end of name token", i)
            return token.group(0).lower(), after
        quote, i = text[i], i + 1
        value: list[str] = []
        while i < len(text) and text[i] != quote:
            if text[i] == "&":
                decoded, i = self.entity(i)
                value.append(decoded)
            else:
                value.append(text[i])
                i += 1
        return "".join(value), i + 1 if i < len(text) else i

    def end_tag(self, begin: int) -> int:
        text = self.text
        if not self.open:
            raise self.error("Unexpected end tag", begin)
        i = begin + 2
        while i < len(text) and not text[i].isspace() and text[i] != ">":
            i += 1
        name = text[begin + 2 : i]
        i = self.skip_space(i)
        if i >= len(text) or text[i] != ">":
            raise self.error("Unclosed end tag", begin)
        opened = self.open[-1]
        if name and name != opened.tag:
            raise self.error(
                f"Unmatched end tag at byte offset {byte_offset(text, begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        self.open.pop()
        self.close(opened)
        return i + 1

    def close(self, opened: _Open) -> None:
        out, tag, argument = self.out, opened.tag, opened.argument
        if out.offset <= opened.offset:
            return  # nothing inside: no entity
        if tag == "a":
            url = _link(argument or "".join(out.parts[opened.part :]))
            if url is not None:
                out.entity("text_link", opened.offset, url=url)
        elif tag == "tg-emoji":
            if not argument.isdigit():
                raise self.error("Invalid custom emoji identifier specified")
            out.entity("custom_emoji", opened.offset, custom_emoji_id=argument)
        elif tag in ("pre", "code"):
            self.close_code(opened)
        elif tag == "blockquote":
            out.entity("expandable_blockquote" if argument else "blockquote", opened.offset)
        else:
            out.entity(TAGS[tag], opened.offset)

    def close_code(self, opened: _Open) -> None:
        """`pre` and `code` over the same text, with a language, are one `pre` entity."""
        out, tag, argument = self.out, opened.tag, opened.argument
        last = out.entities[-1] if out.entities else None
        inner = (
            last
            if last is not None
            and last["offset"] == opened.offset
            and last["offset"] + last["length"] == out.offset
            and last["type"] == ("code" if tag == "pre" else "pre")
            else None
        )
        if inner is not None and tag == "pre" and inner.get(_LANGUAGE):
            inner.update(type="pre", language=inner.pop(_LANGUAGE))
        elif inner is not None and tag == "code" and argument:
            inner["language"] = argument
        elif tag == "code":
            out.entity("code", opened.offset, **({_LANGUAGE: argument} if argument else {}))
        else:
            out.entity("pre", opened.offset)


def _argument(tag: str, name: str, value: str, current: str) -> str:
    """What a tag keeps of one attribute (the others are ignored, as Telegram does)."""
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    if tag == "blockquote" and name == "expandable":
        return "1"
    return current


def _link(url: str) -> str | None:
    """The address a link entity gets, or None where Telegram drops the link."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "http", url
    scheme = scheme.lower()
    if scheme in ("tg", "ton"):
        return f"{scheme}://{rest}" if rest else None
    if scheme not in ("http", "https"):
        return None
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    host, tail = rest[:cut], rest[cut:]
    if _HOST.fullmatch(host) is None:
        return None
    return f"{scheme}://{host}{tail if tail.startswith('/') else '/' + tail}"
