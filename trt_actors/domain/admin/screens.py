"""The admin panel's screens: pure functions of the turn, the state and what was looked up."""

from __future__ import annotations

import datetime
import math
from fractions import Fraction

from trt_actors.model import JobState

from ..callbacks import encode, fits
from ..local_time import local, stamp, zone_label
from ..state import JourneyState
from ..telegram_html import plain_text
from ..turn import Turn
from ..view import Button, Screen, grid
from .facts import (
    AuditTail,
    BroadcastFacts,
    BroadcastHistory,
    BroadcastStatus,
    Check,
    ConfigCheck,
    CorrelationTrail,
    Diagnostics,
    DiagnosticsFacts,
    GenerationsPaused,
    JobDetail,
    JobFacts,
    JobsPage,
    KieCredits,
    PanelStats,
    PaymentsPage,
    PromoList,
    SelfTest,
    StatsFacts,
    TenantsOverview,
    UserCard,
    UserFacts,
)

PANEL = "a"
SECTIONS = (
    ("adm_btn_stats", "as"),
    ("adm_btn_users", "au"),
    ("adm_btn_jobs", "ag"),
    ("adm_btn_broadcast", "ab"),
    ("adm_btn_export", "ax"),
    ("adm_btn_payments", "apy"),
    ("adm_btn_promos", "apc"),
    ("adm_btn_settings", "an"),
    ("adm_btn_audit", "al"),
    ("adm_btn_diagnostics", "ad"),
)


def back(turn: Turn) -> Button:
    return Button(turn.t("adm_btn_back"), encode(PANEL))


def panel(turn: Turn, state: JourneyState) -> Screen:
    buttons = [Button(turn.t(label), encode(code)) for label, code in SECTIONS]
    buttons.append(Button(turn.t("adm_btn_as_user"), encode("ay")))
    rows = (*grid(buttons, 2), (Button(turn.t("btn_menu"), encode("m")),))
    return Screen(turn.t("adm_panel"), rows)


def stats(turn: Turn, state: JourneyState, days: int = 30) -> Screen:
    facts = turn.context.lookup(PanelStats(days))
    if not isinstance(facts, StatsFacts):
        return Screen(turn.t("adm_unavailable"), ((back(turn),),))
    states = ", ".join(f"{name}: {count}" for name, count in sorted(facts.jobs_by_state.items()))
    models = "\n".join(f"• {model}: {count}" for model, count in facts.top_models)
    text = turn.t(
        "adm_stats",
        days=facts.days,
        total=facts.users_total,
        new=facts.users_new,
        active=facts.users_active,
        blocked=facts.users_blocked_bot,
        jobs=states or "—",
        models=models or "—",
        revenue=turn.money(facts.revenue_kopecks),
        spend=turn.money(facts.spend_kopecks),
    )
    credits = turn.context.lookup(KieCredits())
    if isinstance(credits, Fraction):
        tariff = turn.context.tariff
        value = math.ceil(credits * tariff.credit_usd * tariff.rub_per_usd * 100)
        text += "\n" + turn.t(
            "adm_kie_credits", credits=str(math.floor(credits)), value=turn.money(value)
        )
    else:
        text += "\n" + turn.t("adm_kie_unknown")
    tenants = turn.context.lookup(TenantsOverview())
    if isinstance(tenants, list) and len(tenants) > 1:
        text += (
            "\n\n"
            + turn.t("adm_all_bots")
            + "\n"
            + "\n".join(
                f"• {t.tenant}: {t.users} / {t.generations} / {turn.money(t.revenue_kopecks)}"
                for t in tenants
            )
        )
    rows = ((Button(turn.t("adm_btn_chart"), encode("ah")), back(turn)),)
    return Screen(text, rows)


def find_user(turn: Turn, state: JourneyState) -> Screen:
    return Screen(turn.t("adm_find_user"), ((back(turn),),))


def user_card(turn: Turn, state: JourneyState, target: str) -> Screen:
    facts = turn.context.lookup(UserCard(target))
    if not isinstance(facts, UserFacts):
        return Screen(turn.t("adm_user_not_found", target=target), ((back(turn),),))
    lines = "\n".join(
        f"{_at(turn, line.at, '%Y-%m-%d %H:%M')} {line.kind} "
        f"{turn.money(line.amount_kopecks)} ({line.actor})"
        for line in facts.ledger
    )
    status = turn.t("adm_user_blocked") if facts.is_blocked else turn.t("adm_user_active")
    if facts.blocked_bot:
        status += " · " + turn.t("adm_user_blocked_bot")
    text = turn.t(
        "adm_user_card",
        id=facts.user_id,
        name=facts.first_name,
        username=f"@{facts.username}" if facts.username else "—",
        lang=facts.language or "—",
        joined=f"{facts.joined:%Y-%m-%d}",
        status=status,
        balance=turn.money(facts.balance_kopecks),
        held=turn.money(facts.held_kopecks),
        jobs=facts.jobs,
        payments=facts.payments,
        ledger=lines or "—",
    )
    uid = facts.user_id
    block = (
        Button(turn.t("adm_btn_unblock"), encode("ak", uid, 0))
        if facts.is_blocked
        else Button(turn.t("adm_btn_block"), encode("ak", uid, 1))
    )
    rows: list[tuple[Button, ...]] = [
        (Button(turn.t("adm_btn_adjust"), encode("ac", uid)), block),
    ]
    if turn.context.settings.main_admin == turn.user_id and uid not in turn.context.settings.admins:
        rows.append((Button(turn.t("adm_btn_make_admin"), encode("am", uid)),))
    rows.append((Button(turn.t("adm_btn_users"), encode("au")), back(turn)))
    return Screen(text, tuple(rows))


def adjust(turn: Turn, state: JourneyState, user_id: int) -> Screen:
    return Screen(turn.t("adm_adjust_prompt", id=user_id), ((back(turn),),))


def audit(turn: Turn, state: JourneyState) -> Screen:
    lines = turn.context.lookup(AuditTail())
    if not isinstance(lines, list):
        return Screen(turn.t("adm_unavailable"), ((back(turn),),))
    body = "\n".join(
        f"{_at(turn, line.at, '%m-%d %H:%M')} {line.actor_id} {line.action} {line.target}"
        for line in lines
    )
    return Screen(turn.t("adm_audit", lines=body or "—"), ((back(turn),),))


def export_menu(turn: Turn, state: JourneyState) -> Screen:
    buttons = [
        Button(turn.t(f"adm_btn_export_{table}"), encode("ae", table))
        for table in ("users", "payments", "jobs")
    ]
    return Screen(turn.t("adm_export"), (*grid(buttons, 3), (back(turn),)))


def compose(turn: Turn, state: JourneyState) -> Screen:
    rows = (
        (Button(turn.t("adm_btn_broadcast_history"), encode("abh")),),
        (back(turn),),
    )
    return Screen(turn.t("adm_broadcast_compose"), rows)


def preview(turn: Turn, state: JourneyState) -> Screen | None:
    draft = state.admin_draft
    if not draft:
        return None
    rows = (
        (
            Button(turn.t("adm_btn_broadcast_send"), encode("ao")),
            Button(turn.t("adm_btn_broadcast_edit"), encode("ab")),
        ),
        (back(turn),),
    )
    return Screen(turn.t("adm_broadcast_preview"), rows)


def broadcast(turn: Turn, state: JourneyState, broadcast_id: int) -> Screen:
    facts = turn.context.lookup(BroadcastStatus(broadcast_id))
    if not isinstance(facts, BroadcastFacts):
        return Screen(turn.t("adm_unavailable"), ((back(turn),),))
    text = turn.t(
        "adm_broadcast_status",
        id=facts.broadcast_id,
        state=turn.t(f"adm_broadcast_state_{facts.state}"),
        sent=facts.sent,
        failed=facts.failed,
        skipped=facts.skipped,
        pending=facts.pending,
        duration=_broadcast_duration(turn, facts),
    )
    rows: list[tuple[Button, ...]] = [
        (Button(turn.t("adm_btn_refresh"), encode("ar", broadcast_id)),)
    ]
    if facts.state == "running":
        rows[0] += (Button(turn.t("adm_btn_broadcast_cancel"), encode("aq", broadcast_id)),)
    rows.append((Button(turn.t("adm_btn_broadcast_history"), encode("abh")),))
    rows.append((back(turn),))
    return Screen(text, tuple(rows))


def broadcast_history(turn: Turn, state: JourneyState, before: int) -> Screen:
    """Past broadcasts, newest first, a page at a time: when, state, how long it took, the
    figures (sent, blocked the bot, failed, still waiting) and how the message begins."""
    wanted = BroadcastHistory(before)
    found = turn.context.lookup(wanted)
    new = Button(turn.t("adm_btn_broadcast_new"), encode("ab"))
    if not isinstance(found, list):
        return Screen(turn.t("adm_unavailable"), ((new, back(turn)),))
    lines = "\n\n".join(_history_line(turn, facts) for facts in found)
    buttons = [Button(f"#{f.broadcast_id}", encode("ar", f.broadcast_id)) for f in found]
    rows = list(grid(buttons, 4))
    if len(found) == wanted.size:
        rows.append((Button(turn.t("adm_btn_older"), encode("abh", found[-1].broadcast_id)),))
    rows.append((new, back(turn)))
    body = lines or turn.t("adm_broadcast_history_none")
    return Screen(turn.t("adm_broadcast_history", lines=body), tuple(rows))


PREVIEW_CHARS = 60  # how much of a past broadcast's text its line shows


def _history_line(turn: Turn, facts: BroadcastFacts) -> str:
    shown = plain_text(facts.text) if facts.html else facts.text
    shown = " ".join(shown.split())
    if len(shown) > PREVIEW_CHARS:
        shown = shown[: PREVIEW_CHARS - 1].rstrip() + "…"
    if facts.photo:
        shown = f"🖼 {shown}".rstrip()
    waiting = turn.t("adm_broadcast_waiting", pending=facts.pending) if facts.pending else ""
    return turn.t(
        "adm_broadcast_line",
        id=facts.broadcast_id,
        when=_at(turn, facts.started, "%Y-%m-%d %H:%M") if facts.started else "—",
        state=turn.t(f"adm_broadcast_state_{facts.state}"),
        duration=_broadcast_duration(turn, facts),
        sent=facts.sent,
        blocked=facts.skipped,
        failed=facts.failed,
        waiting=waiting,
        text=shown or "—",
    )


def _broadcast_duration(turn: Turn, facts: BroadcastFacts) -> str:
    """How long it took (finished), or has taken so far (still sending)."""
    if facts.started is None:
        return "—"
    end = facts.finished or turn.context.now
    return duration(turn, (end - facts.started).total_seconds())


def duration(turn: Turn, seconds: float) -> str:
    """45 s, 2 min 05 s, 1 h 03 min."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return turn.t("adm_duration_hours", h=hours, m=f"{minutes:02d}")
    if minutes:
        return turn.t("adm_duration_minutes", m=minutes, s=f"{secs:02d}")
    return turn.t("adm_duration_seconds", s=secs)


def _checks(turn: Turn, checks: list[Check]) -> str:
    return "\n".join(
        f"{'✅' if check.ok else '❌'} {check.name}: {check.detail}"
        + (f" ({check.millis} ms)" if check.millis else "")
        for check in checks
    )


def diagnostics(turn: Turn, state: JourneyState) -> Screen:
    facts = turn.context.lookup(Diagnostics())
    rows = (
        (
            Button(turn.t("adm_btn_selftest"), encode("at")),
            Button(turn.t("adm_btn_config"), encode("acc")),
        ),
        (Button(turn.t("adm_btn_trace"), encode("ai")),),
        (Button(turn.t("adm_btn_refresh"), encode("ad")), back(turn)),
    )
    if not isinstance(facts, DiagnosticsFacts):
        return Screen(turn.t("adm_unavailable"), rows)
    inbox = ", ".join(f"{state}: {count}" for state, count in sorted(facts.inbox.items()))
    errors = "\n".join(
        f"{_at(turn, at, '%m-%d %H:%M')} {where}: {error}" for at, where, error in facts.last_errors
    )
    text = turn.t(
        "adm_diagnostics",
        checks=_checks(turn, facts.checks),
        inbox=inbox or "—",
        errors=errors or "—",
    )
    return Screen(f"{generations_line(turn, facts.paused)}\n\n{text}", rows)


def generations_line(turn: Turn, paused: GenerationsPaused | None) -> str:
    """Whether generations run, or since when they are paused (KIE out of credits)."""
    if paused is None:
        return turn.t("adm_generations_running")
    return turn.t(
        "adm_generations_paused",
        since=_at(turn, paused.since, "%m-%d %H:%M"),
        reason=paused.reason or "—",
        every=max(1, round(paused.check_every / 60)),
    )


def credits_alert(turn: Turn, paused: GenerationsPaused) -> Screen:
    """The one message every admin gets when KIE runs out of credits: what happened, what
    users see, what to do; the diagnostics a press away."""
    text = turn.t(
        "adm_credits_alert",
        since=_at(turn, paused.since, "%H:%M"),
        reason=paused.reason or "—",
        every=max(1, round(paused.check_every / 60)),
    )
    return Screen(text, ((Button(turn.t("adm_btn_diagnostics"), encode("ad")),),))


def selftest(turn: Turn, state: JourneyState) -> Screen:
    checks = turn.context.lookup(SelfTest())
    rows = ((Button(turn.t("adm_btn_refresh"), encode("at")), back(turn)),)
    if not isinstance(checks, list):
        return Screen(turn.t("adm_unavailable"), rows)
    verdict = "adm_selftest_ok" if all(c.ok for c in checks) else "adm_selftest_failed"
    return Screen(f"{turn.t(verdict)}\n\n{_checks(turn, checks)}", rows)


def trace_prompt(turn: Turn, state: JourneyState) -> Screen:
    return Screen(turn.t("adm_trace_prompt"), ((back(turn),),))


def trace(turn: Turn, state: JourneyState, correlation_id: str) -> Screen:
    steps = turn.context.lookup(CorrelationTrail(correlation_id))
    rows = ((Button(turn.t("adm_btn_trace"), encode("ai")), back(turn)),)
    if not isinstance(steps, list) or not steps:
        return Screen(turn.t("adm_trace_none", id=correlation_id), rows)
    lines = "\n".join(
        _precise(turn, step.at)
        + f" {step.step} "
        + " ".join(f"{k}={v}" for k, v in sorted(step.detail.items()))
        for step in steps
    )
    return Screen(turn.t("adm_trace", id=correlation_id, lines=lines), rows)


def jobs(turn: Turn, state: JourneyState, before: int) -> Screen:
    found = turn.context.lookup(JobsPage(before))
    if not isinstance(found, list):
        return Screen(turn.t("adm_unavailable"), ((back(turn),),))
    lines = "\n".join(
        f"#{job.job_id} {_at(turn, job.created, '%m-%d %H:%M')} {job.model_id} · {job.state} · "
        f"{turn.money(job.price_kopecks)} · {job.user_id}"
        for job in found
    )
    buttons = [Button(f"#{job.job_id}", encode("aj", job.job_id)) for job in found]
    rows = list(grid(buttons, 5))
    if len(found) == JobsPage().size:
        rows.append((Button(turn.t("adm_btn_older"), encode("ag", found[-1].job_id)),))
    rows.append((back(turn),))
    return Screen(turn.t("adm_jobs", lines=lines or "—"), tuple(rows))


def job(turn: Turn, state: JourneyState, job_id: int) -> Screen:
    found = turn.context.lookup(JobDetail(job_id))
    rows = ((Button(turn.t("adm_btn_jobs"), encode("ag")), back(turn)),)
    if not isinstance(found, JobFacts):
        return Screen(turn.t("adm_job_not_found", id=job_id), rows)
    params = "\n".join(f"  {key}: {value}" for key, value in sorted(found.params.items()))
    zone = turn.context.settings.timezone
    when = [_at(turn, found.created, "%Y-%m-%d %H:%M:%S")]
    when += [f"{local(t, zone):%H:%M:%S}" if t else "—" for t in (found.submitted, found.finished)]
    text = turn.t(
        "adm_job",
        id=found.job_id,
        model=found.model_id,
        state=found.state,
        user=found.user_id,
        price=turn.money(found.price_kopecks),
        task=found.kie_task_id or "—",
        created=when[0],
        submitted=when[1],
        finished=when[2],
        params=params or "  —",
        error=found.error or "—",
        results="\n".join(found.result_urls) or "—",
    )
    user_row: tuple[Button, ...] = (Button(turn.t("adm_btn_user"), encode("av", found.user_id)),)
    if found.state == JobState.DELIVERED:
        user_row += (Button(turn.t("adm_btn_redeliver"), encode("aje", found.job_id)),)
    return Screen(text, (user_row, *rows))


LEVEL_MARK = {"ok": "✅", "warn": "⚠️", "fail": "❌"}


def config_check(turn: Turn, state: JourneyState) -> Screen:
    lines = turn.context.lookup(ConfigCheck())
    rows = ((Button(turn.t("adm_btn_refresh"), encode("acc")), back(turn)),)
    if not isinstance(lines, list):
        return Screen(turn.t("adm_unavailable"), rows)
    body = "\n".join(f"{LEVEL_MARK.get(x.level, '•')} {x.subject}: {x.text}" for x in lines)
    verdict = "adm_config_fail" if any(x.level == "fail" for x in lines) else "adm_config_ok"
    return Screen(f"{turn.t(verdict)}\n\n{body}", rows)


def payments(turn: Turn, state: JourneyState) -> Screen:
    found = turn.context.lookup(PaymentsPage())
    rows = (
        (Button(turn.t("adm_btn_transfers"), encode("pl")),),
        (back(turn),),
    )
    if not isinstance(found, list):
        return Screen(turn.t("adm_unavailable"), rows)
    lines = []
    for p in found:
        amount = f"{p.amount} ⭐" if p.currency == "XTR" else turn.money(p.amount)
        line = (
            f"#{p.payment_id} {_at(turn, p.at, '%m-%d %H:%M')} {p.method} · {p.status} · "
            f"{amount} · {p.user_id}"
        )
        if p.method == "stars" and p.external_id:
            line += f"\n    {p.external_id}"
        lines.append(line)
    return Screen(turn.t("adm_payments", lines="\n".join(lines) or "—"), rows)


def promo_codes(turn: Turn, state: JourneyState) -> Screen:
    found = turn.context.lookup(PromoList())
    if not isinstance(found, list):
        return Screen(turn.t("adm_unavailable"), ((back(turn),),))
    lines = []
    for p in found:
        uses = f"{p.redemptions}/{p.max_redemptions}" if p.max_redemptions else f"{p.redemptions}/∞"
        until = f" · {p.expires:%Y-%m-%d}" if p.expires else ""
        mark = "" if p.active else " · " + turn.t("adm_promo_off")
        worth = (
            turn.t("adm_promo_free", n=p.amount_kopecks)
            if p.free_generations
            else turn.money(p.amount_kopecks)
        )
        lines.append(f"{p.code} · {worth} · {uses}{until}{mark}")
    buttons = [
        Button(turn.t("adm_btn_promo_disable", code=p.code), encode("apd", p.code))
        for p in found
        if p.active and fits(p.code)
    ]
    rows = (*grid(buttons, 2), (back(turn),))
    return Screen(turn.t("adm_promos", lines="\n".join(lines) or "—"), rows)


def _at(turn: Turn, when: datetime.datetime, pattern: str) -> str:
    """A time on the panel: in the tenant's zone, with the zone's label."""
    return stamp(when, turn.context.settings.timezone, pattern)


def _precise(turn: Turn, when: datetime.datetime) -> str:
    """A time to the millisecond (a trace's steps), in the tenant's zone, labelled."""
    shown = local(when, turn.context.settings.timezone)
    return f"{shown:%H:%M:%S}.{shown.microsecond // 1000:03d} {zone_label(shown)}"
