"""The broadcast markup check (`domain.telegram_html`): pure, never raises, and never lets
through what Telegram would refuse — checked against the emulator's TDLib-like parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trt_actors.domain.telegram_html import (
    PROBLEMS,
    Formatted,
    HtmlProblem,
    check_html,
    plain_text,
)
from trt_actors.emulators.telegram import EntityError, parse_formatted

GOOD = [
    ("plain words", "plain words"),
    ("<b>Big</b> news &amp; more", "Big news & more"),
    ("<strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "sieun"),
    ("<s>a</s><strike>b</strike><del>c</del>", "abc"),
    ('<a href="https://example.com/new?a=1&amp;b=2">Try</a>', "Try"),
    ("<a href='http://example.com'>x</a> <a href=\"tg://resolve?domain=x\">y</a>", "x y"),
    ("<code>x = 1</code>\n<pre>block</pre>", "x = 1\nblock"),
    ('<pre><code class="language-python">print()</code></pre>', "print()"),
    ('<tg-spoiler>boo</tg-spoiler> <span class="tg-spoiler">hid</span>', "boo hid"),
    ("<blockquote>q</blockquote><blockquote expandable>long</blockquote>", "qlong"),
    ("<b>bold <i>both <u>all</u></i></b>", "bold both all"),
    ("<B>caps</b>", "caps"),  # a start tag's name is read lowercased
    ("Tom & Jerry, 5 > 3, AT&T", "Tom & Jerry, 5 > 3, AT&T"),  # a bare & and >
    ("&lt;3 &lt &gt; &quot;q&quot; &#8212; &#x1f600;", '<3 < > "q" — 😀'),
    ("&nbsp", "&nbsp"),  # no ";": Telegram shows it as typed, and so does the preview
    ("😀 <b>emoji</b>", "😀 emoji"),
]


@pytest.mark.parametrize(("source", "shown"), GOOD)
def test_good_markup_is_what_users_see(source: str, shown: str) -> None:
    assert check_html(source, limit=4096) == Formatted(shown)


BAD = [
    ("Prices < 10 ₽!", "stray_lt", {}),
    ("<!-- draft -->Hi", "stray_lt", {}),
    ("1 <2", "stray_lt", {}),
    ("New <br> line", "unknown_tag", {"tag": "br"}),
    ("<tg-emoji emoji-id='1'>👍</tg-emoji>", "unknown_tag", {"tag": "tg-emoji"}),
    ("<div>x</div>", "unknown_tag", {"tag": "div"}),
    ("tail <b", "unclosed_start", {"tag": "b"}),
    ('<a href="https://x.y>x</a>', "unclosed_start", {"tag": "a"}),
    ("<a href=https://x.y>x</a>", "bad_attribute", {"tag": "a"}),
    ('<a href="https://x.y"/>x</a>', "bad_attribute", {"tag": "a"}),
    ("x</b>", "unexpected_end", {"tag": "b"}),
    ("<b><i>x</b></i>", "mismatched_end", {"found": "b", "expected": "i"}),
    ("<b>x</B>", "mismatched_end", {"found": "B", "expected": "b"}),
    ("<b>x</b", "unclosed_end", {"tag": "b"}),
    ("<b>never closed", "not_closed", {"tag": "b"}),
    ("a&nbsp;b", "bad_entity", {"entity": "&nbsp;"}),
    ("&mdash;", "bad_entity", {"entity": "&mdash;"}),
    ("&#0;", "bad_entity", {"entity": "&#0;"}),
    ("&#xD800;", "bad_entity", {"entity": "&#xD800;"}),
    ("&#1234567890;", "bad_entity", {"entity": "&#1234567890;"}),
    ("<a>https://x.y</a>", "no_href", {}),
    ('<a href="javascript:alert(1)">x</a>', "bad_link", {"href": "javascript:alert(1)"}),
    ('<a href="www.example.com">x</a>', "bad_link", {"href": "www.example.com"}),
    ('<a href="https://">x</a>', "bad_link", {"href": "https://"}),
    ('<a href="">x</a>', "bad_link", {"href": '""'}),
    ('<a href="https://x.y/a b">x</a>', "bad_link", {"href": "https://x.y/a b"}),
    ("<span>x</span>", "span_class", {}),
    ('<span class="spoiler">x</span>', "span_class", {}),
    ("<b> </b>", "empty", {}),
    ("", "empty", {}),
]


@pytest.mark.parametrize(("source", "code", "values"), BAD)
def test_bad_markup_names_the_problem(source: str, code: str, values: dict[str, str]) -> None:
    found = check_html(source, limit=4096)
    assert isinstance(found, HtmlProblem), found
    assert (found.code, dict(found.values)) == (code, values)
    assert found.code in PROBLEMS


def test_a_problem_says_where_it_is() -> None:
    source = "Hello!\nThe <b>news</b> of the day:\nprices < 10 ₽ on every video model this week"
    found = check_html(source, limit=4096)
    assert isinstance(found, HtmlProblem)
    assert (found.code, found.line) == ("stray_lt", 3)
    assert "prices < 10" in found.near and "\n" not in found.near
    assert found.near.startswith("…") and found.near.endswith("…")  # a fragment, not it all


def test_the_length_counts_what_users_see() -> None:
    assert isinstance(check_html("<b>" + "a" * 4096 + "</b>", limit=4096), Formatted)
    too_long = check_html("a" * 4097, limit=4096)
    assert isinstance(too_long, HtmlProblem) and too_long.code == "too_long"
    assert dict(too_long.values) == {"length": "4097", "limit": "4096"}
    caption = check_html("<i>" + "c" * 1025 + "</i>", limit=1024, allow_empty=True)
    assert isinstance(caption, HtmlProblem) and caption.code == "too_long"
    assert check_html("", limit=1024, allow_empty=True) == Formatted("")  # a photo alone


def test_plain_text_of_markup_and_of_anything_else() -> None:
    assert plain_text("<b>Big</b> &amp; <i>bold</i>") == "Big & bold"
    assert plain_text("1 < 2") == "1 < 2"  # not markup: shown as it is


# -- agreement with Telegram (the emulator's parser, TDLib's rules) ---------------------------

FRAGMENTS = st.sampled_from(
    [
        *("<b>", "</b>", "<i>", "</i>", "<u>", "</u>", "<s>", "</s>", "<em>", "</em>"),
        *("<code>", "</code>", "<pre>", "</pre>", "<blockquote>", "</blockquote>"),
        *("<tg-spoiler>", "</tg-spoiler>", '<span class="tg-spoiler">', "</span>", "<span>"),
        *('<a href="https://example.com/x?a=1&amp;b=2">', '<a href="tg://resolve?domain=x">'),
        *("<a href=x.y>", '<a href="javascript:x">', "<a>", "</a>", "</>", "<B>", "</B>"),
        *("<br>", "<!--", "-->", "<", ">", "&", "&amp;", "&lt;", "&lt", "&gt;", "&quot;"),
        *("&nbsp;", "&#8212;", "&#x1f600;", "&#0;", "&#xD800;", "&#;", "'", '"', "="),
        *("word", " ", "\n", "😀", "₽", "a", "1"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS, max_size=14).map("".join))
def test_what_the_check_passes_telegram_takes_and_shows_the_same(source: str) -> None:
    """Whatever the check accepts parses under Telegram's rules to the same visible text;
    whatever Telegram refuses, the check refuses."""
    checked = check_html(source, limit=4096, allow_empty=True)
    try:
        parsed = parse_formatted(source, "HTML")
    except EntityError:
        assert isinstance(checked, HtmlProblem), (source, checked)
        return
    if isinstance(checked, Formatted):
        assert checked.text == parsed.text, source


@given(st.text(max_size=60))
def test_any_text_gets_an_answer(source: str) -> None:
    found = check_html(source, limit=4096)
    assert isinstance(found, Formatted | HtmlProblem)
