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
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://x.y/"},  # normalised
    ]


# What Telegram answers (TDLib's parse_html and its test cases); "🏟" is 4 bytes of UTF-8, so
# the "<" after "🏟 🏟&lt;" is at byte offset 13.
HTML_ERRORS = [
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),  # a bare "<"
    ("<!-- note -->", 'Unsupported start tag "!--" at byte offset 0'),
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
    ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("<b>x</B>", 'expected "</b>", found "</B>"'),  # an end tag is compared as written
    ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
    ("🏟 🏟&lt;<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("&#57311;", "Text contains invalid Unicode characters after decoding HTML entities"),
    ('<tg-emoji emoji-id="x">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
]


@pytest.mark.parametrize(("text", "message"), HTML_ERRORS)
def test_html_errors(text: str, message: str) -> None:
    with pytest.raises(EntityError, match=r"^can't parse entities: ") as error:
        parse_formatted(text, "HTML")
    assert message in str(error.value)


HTML_PARSED: list[tuple[str, str, list[dict[str, object]]]] = [
    ("&ge;&lt;&gt;&amp;&quot;&laquo;&#12345678;", '&ge;<>&"&laquo;&#12345678;', []),
    ("Tom & Jerry &nbsp; &lt", "Tom & Jerry &nbsp; <", []),  # only four names; ";" optional
    ("&#128512;&#x1f600;", "😀😀", []),
    ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [{"type": "italic", "offset": 5, "length": 6}]),
    ("<i    aba = 190azAz-.>a</i>", "a", [{"type": "italic", "offset": 0, "length": 1}]),
    ("<i>a</    >", "a", [{"type": "italic", "offset": 0, "length": 1}]),  # </> closes
    ("<b></b>x", "x", []),  # an empty entity is no entity
    (
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>',
        "ab",
        [
            {"type": "spoiler", "offset": 0, "length": 1},
            {"type": "spoiler", "offset": 1, "length": 1},
        ],
    ),
    (
        "<a href=telegram.org>t</a>",
        "t",
        [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}],
    ),
    (
        "<a href='telegram.org?&lt;'>t</a>",
        "t",
        [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/?<"}],
    ),
    (
        "<a>telegram.org</a>",  # no href: the text is the address
        "telegram.org",
        [{"type": "text_link", "offset": 0, "length": 12, "url": "http://telegram.org/"}],
    ),
    ("<a>telegram.org </a>", "telegram.org ", []),
    ('<a href="javascript:alert(1)">x</a>', "x", []),  # a link Telegram cannot use: dropped
    ('<a href="https://">x</a>', "x", []),
    (
        '<a href="tg://user?id=1">x</a>',
        "x",
        [{"type": "text_link", "offset": 0, "length": 1, "url": "tg://user?id=1"}],
    ),
    (
        "<pre><code>x</code></pre>",
        "x",
        [{"type": "code", "offset": 0, "length": 1}, {"type": "pre", "offset": 0, "length": 1}],
    ),
    (
        '<pre><code class="language-python">x</code></pre>',
        "x",
        [{"type": "pre", "offset": 0, "length": 1, "language": "python"}],
    ),
    (
        '<code class="language-fift"><pre>x</pre></code>',
        "x",
        [{"type": "pre", "offset": 0, "length": 1, "language": "fift"}],
    ),
    (
        "<blockquote cite='' expandable>a<pre>b</></>",
        "ab",
        [
            {"type": "expandable_blockquote", "offset": 0, "length": 2},
            {"type": "pre", "offset": 1, "length": 1},
        ],
    ),
    (
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "👍",
        [
            {
                "type": "custom_emoji",
                "offset": 0,
                "length": 2,
                "custom_emoji_id": "5368324170671202286",
            }
        ],
    ),
]


@pytest.mark.parametrize(("markup", "text", "entities"), HTML_PARSED)
def test_html_parsed_as_telegram_does(
    markup: str, text: str, entities: list[dict[str, object]]
) -> None:
    parsed = parse_formatted(markup, "HTML")
    assert (parsed.text, parsed.entities) == (text, entities)


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
