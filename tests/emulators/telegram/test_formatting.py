"""Entity parsing for parse_mode (unit tests, no I/O)."""

from __future__ import annotations

import pytest

from trt_actors.emulators.telegram import EntityError, parse_formatted


def test_plain_text_is_unchanged() -> None:
    parsed = parse_formatted("a <b> *c*.", None)
    assert (parsed.text, parsed.entities) == ("a <b> *c*.", [])


def test_html_entities_and_offsets_in_utf16() -> None:
    parsed = parse_formatted('😀 <b>bold</b> <a href="https://x.y">link</a> &lt;3', "HTML")
    assert parsed.text == "😀 bold link <3"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://x.y"},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
    ],
)
def test_html_errors(text: str, message: str) -> None:
    with pytest.raises(EntityError, match=message):
        parse_formatted(text, "HTML")


def test_markdown_v2() -> None:
    parsed = parse_formatted(
        "*bold* _it_ __u__ ~s~ ||sp|| `c.d` [l](https://a.b/c\\)) \\!", "MarkdownV2"
    )
    assert parsed.text == "bold it u s sp c.d l !"
    kinds = [e["type"] for e in parsed.entities]
    assert kinds == ["bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link"]
    assert parsed.entities[-1]["url"] == "https://a.b/c)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "Character '.' is reserved"),
        ("a-b", "Character '-' is reserved"),
        ("*open", "Can't find end of bold entity"),
        ("[x](http://a", "Can't find end of a url"),
    ],
)
def test_markdown_v2_errors(text: str, message: str) -> None:
    with pytest.raises(EntityError, match=message):
        parse_formatted(text, "MarkdownV2")


def test_legacy_markdown() -> None:
    parsed = parse_formatted("*b* _i_ `c` [t](u) 1.5-2", "Markdown")
    assert parsed.text == "b i c t 1.5-2"
    with pytest.raises(EntityError):
        parse_formatted("*open", "Markdown")


def test_unknown_parse_mode() -> None:
    with pytest.raises(ValueError, match="unsupported parse_mode"):
        parse_formatted("x", "BBCode")
