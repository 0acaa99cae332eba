"""Composing a broadcast in Telegram's HTML, and the history of past broadcasts — the pure
handler (no I/O): bad markup is shown to the admin with what is wrong and nothing is sent
(no preview, no broadcast); good markup is previewed exactly as users will get it."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from tests.domain.support import NOW, Chat, callback_update, context, message_update
from trt_actors.domain.admin.facts import BroadcastFacts, BroadcastHistory, StartBroadcast
from trt_actors.domain.callbacks import encode
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import text


def composing(language: str = "en") -> Chat:
    admin = Chat(language, ctx=context(is_admin=True)).started()
    admin.send("/admin")
    admin.press(encode("ab"))
    return admin


def send_pressed(admin: Chat) -> list[object]:
    """Press "Send to everyone" (the preview's button); the effects it asks for."""
    return list(admin.feed(callback_update(admin.language, encode("ao"))).effects)


def test_good_markup_is_previewed_as_users_will_get_it_then_broadcast_as_html() -> None:
    admin = composing()
    outcome = admin.send("<b>Big</b> news &amp; more\nTry them | https://example.com/new")
    preview, screen = outcome.calls
    assert preview.method == "sendMessage"
    assert preview.params["text"] == "<b>Big</b> news &amp; more"
    assert preview.params["parse_mode"] == "HTML"
    assert preview.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Try them"
    assert "exactly as users will get it" in screen.params["text"]
    [started] = send_pressed(admin)
    assert isinstance(started, StartBroadcast)
    assert started.message == {
        "method": "sendMessage",
        "text": "<b>Big</b> news &amp; more",
        "parse_mode": "HTML",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Try them", "url": "https://example.com/new"}]]
        },
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Prices < 10 ₽ <b>today</b>", 'A "<" that opens no tag'),
        ("<b>Big news", "<b> is opened but never closed: add </b>."),
        ("<b><i>Big</b></i>", "</b> comes where </i> has to close first"),
        ("<marquee>Big</marquee>", "<marquee> is not a tag Telegram supports"),
        ("Big&nbsp;news", "&nbsp; is not a character Telegram knows"),
        ('<a href="javascript:alert(1)">Big</a>', "javascript:alert(1) cannot be used"),
        ("<span>Big</span>", '<span class="tg-spoiler">'),
    ],
)
def test_bad_markup_is_shown_at_the_preview_and_nothing_is_sent(typed: str, expected: str) -> None:
    admin = composing()
    outcome = admin.send(typed)
    [answer] = outcome.calls  # no preview: only the note on the compose screen
    assert "parse_mode" not in answer.params
    assert answer.params["text"].startswith("❌ The formatting has a mistake, so nothing was sent.")
    assert expected in answer.params["text"]
    assert "Line 1:" in answer.params["text"]
    assert not outcome.effects
    state = JourneyState.load(admin.state)
    assert state.awaiting == "ab" and state.admin_draft is None  # the corrected one is next
    assert [e for e in send_pressed(admin) if isinstance(e, StartBroadcast)] == []
    fixed = admin.send("<b>Big</b> news")  # sent again, corrected: the preview comes
    assert fixed.calls[0].params == {
        "text": "<b>Big</b> news",
        "parse_mode": "HTML",
        "chat_id": 4242,
    }


def test_the_mistake_is_named_in_russian_with_its_line() -> None:
    admin = composing("ru")
    outcome = admin.send("Привет!\n<b>Скидки</b> до 50% на <видео>")
    note = outcome.calls[0].params["text"]
    headline = text("ru", "adm_html_error", problem="", line=2, near="").split("\n")[0]
    assert note.startswith(headline) and headline.startswith("❌")
    assert "Знак «<» не открывает тег. Чтобы показать сам знак, пишите &lt;" in note
    assert "Строка 2:" in note


def test_a_photo_caption_is_checked_too_and_a_bare_photo_needs_no_markup() -> None:
    admin = composing()
    photo = [{"file_id": "ph-1", "file_unique_id": "p", "width": 800, "height": 600}]
    bad = admin.feed(message_update("en", photo=photo, caption="<b>50% off"))
    assert [call.method for call in bad.calls] == ["sendMessage"]  # the note, no sendPhoto
    assert "<b> is opened but never closed" in bad.calls[0].params["text"]
    good = admin.feed(message_update("en", photo=photo, caption="<b>50%</b> off"))
    assert good.calls[0].method == "sendPhoto"
    assert good.calls[0].params["caption"] == "<b>50%</b> off"
    assert good.calls[0].params["parse_mode"] == "HTML"
    admin.press(encode("ab"))
    bare = admin.feed(message_update("en", photo=photo))
    assert bare.calls[0].method == "sendPhoto" and "parse_mode" not in bare.calls[0].params
    admin.press(encode("ab"))
    too_long = admin.feed(message_update("en", photo=photo, caption="<i>" + "c" * 1025 + "</i>"))
    assert "Telegram allows 1024" in too_long.calls[0].params["text"]


def test_a_draft_with_bad_markup_is_never_broadcast() -> None:
    """A draft kept from before markup was checked (or forged into the state) is checked
    again when Send is pressed: refused with the reason, the admin is back at composing."""
    admin = composing()
    state = JourneyState.load(admin.state)
    draft = {"n": 1, "message": {"method": "sendMessage", "text": "<b>x", "parse_mode": "HTML"}}
    admin.state = replace(state.at("ap"), awaiting=None, admin_draft=draft).dump(admin.state)
    outcome = admin.feed(callback_update("en", encode("ao")))
    assert not outcome.effects
    assert "<b> is opened but never closed" in outcome.calls[-1].params["text"]
    assert JourneyState.load(admin.state).awaiting == "ab"
    plain = {"n": 2, "message": {"method": "sendMessage", "text": "1 < 2"}}  # not HTML: as is
    again = replace(JourneyState.load(admin.state).at("ap"), admin_draft=plain)
    admin.state = again.dump(admin.state)
    [started] = send_pressed(admin)
    assert isinstance(started, StartBroadcast) and started.message["text"] == "1 < 2"


# -- the history ----------------------------------------------------------------------------


def facts(broadcast_id: int, **overrides: object) -> BroadcastFacts:
    base = BroadcastFacts(
        broadcast_id=broadcast_id,
        state="done",
        sent=1234,
        failed=3,
        skipped=12,
        pending=0,
        started=NOW - datetime.timedelta(hours=2),
        finished=NOW - datetime.timedelta(hours=2) + datetime.timedelta(minutes=2, seconds=5),
        text="<b>Big</b> news &amp; more: video models are here, try them all this week!",
        html=True,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def history_chat(language: str, found: list[BroadcastFacts], before: int = 0) -> Chat:
    lookups = {BroadcastHistory(before): found}
    return Chat(language, ctx=context(is_admin=True, found=lookups)).started()


def test_the_history_shows_each_broadcast_with_its_figures_newest_first() -> None:
    running = facts(
        12,
        state="running",
        sent=40,
        failed=0,
        skipped=1,
        pending=959,
        started=NOW - datetime.timedelta(seconds=45),
        finished=None,
        text="Plain text < not markup",
        html=False,
    )
    photo = facts(9, state="cancelled", text="", html=False, photo=True)
    admin = history_chat("en", [running, facts(11), photo])
    admin.send("/admin")
    admin.tap("Broadcast")
    admin.tap("Past broadcasts")
    shown = admin.text
    assert shown.startswith("📜 Broadcasts, newest first")
    assert shown.index("#12") < shown.index("#11") < shown.index("#9")
    assert "#12 · 2026-12-01 14:59 MSK · sending · 45 s" in shown  # so far, still sending
    assert "✅ 40 sent · ⛔ 1 blocked · ⚠️ 0 failed · ⏳ 959 waiting" in shown
    assert "Plain text < not markup" in shown
    assert "#11 · 2026-12-01 13:00 MSK · finished · 2 min 05 s" in shown
    assert "✅ 1234 sent · ⛔ 12 blocked · ⚠️ 3 failed\n" in shown
    assert "\nBig news & more: video models are here, try them all this w…" in shown  # as seen
    assert "#9 · 2026-12-01 13:00 MSK · cancelled · 2 min 05 s" in shown and "🖼" in shown
    buttons = admin.buttons()
    assert buttons["#12"] == "v1|ar|12" and buttons["#9"] == "v1|ar|9"
    assert "⬇️ Older" not in buttons  # a short page is the last
    assert buttons["📣 New broadcast"] == "v1|ab"


def test_a_full_page_leads_to_older_broadcasts_and_none_says_so() -> None:
    page = [facts(n) for n in range(30, 22, -1)]
    admin = history_chat("ru", page)
    admin.send("/admin")
    admin.press(encode("abh"))
    assert "📜 Рассылки, новые сверху" in admin.text
    assert "✅ отправлено 1234 · ⛔ заблокировали 12 · ⚠️ ошибок 3" in admin.text
    assert text("ru", "adm_duration_minutes", m=2, s="05") in admin.text
    assert admin.buttons()["⬇️ Раньше"] == encode("abh", 23)
    empty = history_chat("en", [])
    empty.send("/admin")
    empty.press(encode("abh"))
    assert "No broadcasts yet." in empty.text


def test_a_long_broadcast_reads_in_hours() -> None:
    long = facts(
        5, finished=NOW - datetime.timedelta(hours=2) + datetime.timedelta(hours=1, minutes=3)
    )
    admin = history_chat("en", [long])
    admin.send("/admin")
    admin.press(encode("abh"))
    assert "finished · 1 h 03 min" in admin.text


def test_the_history_is_for_admins_only() -> None:
    eve = Chat("en", ctx=context(found={BroadcastHistory(0): [facts(1)]})).started()
    outcome = eve.feed(callback_update("en", encode("abh")))
    assert "Broadcasts" not in str([call.params for call in outcome.calls])
