"""The user's account: balance, top-up, the referral programme, history and job status.

Everything shown here comes from the `Context` (balance, free generations, jobs); the
screens only lay it out.
"""

from __future__ import annotations

from ..callbacks import encode
from ..context import JobView
from ..state import JourneyState
from ..texts import text_or
from ..turn import Turn
from ..view import Button, Screen, grid
from .home import menu_button

HISTORY_PAGE = 8  # jobs per history page


def balance(turn: Turn, state: JourneyState) -> Screen:
    context = turn.context
    body = turn.t(
        "balance",
        balance=turn.money(context.balance_kopecks),
        free_left=context.free_left_today,
        free_per_day=context.free_per_day,
    )
    rows = (
        (Button(turn.t("btn_topup"), encode("u")),),
        (Button(turn.t("menu_history"), encode("h", 0)), menu_button(turn)),
    )
    return Screen(body, rows)


def topup(turn: Turn, state: JourneyState) -> Screen:
    support = turn.context.support_contact
    body = turn.t("topup_soon")
    if support:
        body += "\n" + turn.t("help_support", contact=support)
    rows = ((Button(turn.t("btn_back"), encode("b")), menu_button(turn)),)
    return Screen(body, rows)


def referral(turn: Turn, state: JourneyState) -> Screen:
    username = turn.context.bot_username
    if username:
        link = f"https://t.me/{username}?start=ref_{turn.user_id}"
        body = turn.t("referral", link=link)
    else:
        body = turn.t("referral_soon")
    return Screen(body, ((menu_button(turn),),))


def job_state(turn: Turn, job: JobView) -> str:
    return text_or(turn.language, f"job_state_{job.state}", job.state)


def _job_line(turn: Turn, job: JobView) -> str:
    model = turn.catalog.find(job.model_id)
    price = turn.t("free_word") if job.free else turn.money(job.price_kopecks)
    return turn.t(
        "history_line",
        job=job.job_id,
        model=model.name if model else job.model_id,
        state=job_state(turn, job),
        when=job.created_at.strftime("%d.%m %H:%M"),
        price=price,
    )


def history(turn: Turn, state: JourneyState, page: int) -> Screen:
    jobs = turn.context.recent_jobs
    if not jobs:
        return Screen(
            turn.t("history_empty"),
            ((Button(turn.t("btn_models"), encode("k")), menu_button(turn)),),
        )
    pages = (len(jobs) + HISTORY_PAGE - 1) // HISTORY_PAGE
    page = min(max(page, 0), pages - 1)
    shown = jobs[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
    lines = [_job_line(turn, job) for job in shown]
    header = turn.t("history_title", page=page + 1, pages=pages)
    paging = []
    if page > 0:
        paging.append(Button(turn.t("btn_prev_page"), encode("h", page - 1)))
    if page + 1 < pages:
        paging.append(Button(turn.t("btn_next_page"), encode("h", page + 1)))
    rows = (*grid(paging, 2), (menu_button(turn),))
    return Screen(header + "\n\n" + "\n".join(lines), tuple(row for row in rows if row))


def status(turn: Turn, job_id: str) -> Screen:
    """The answer to `/status <job>`: the job the session looked up, or why there is none."""
    rows = ((Button(turn.t("menu_history"), encode("h", 0)), menu_button(turn)),)
    if not job_id:
        return Screen(turn.t("status_usage"), rows)
    job = turn.context.requested_job
    mine = job is not None and (job.owner_id == turn.user_id or turn.context.is_admin)
    if job is None or job.job_id != job_id or not mine:
        return Screen(turn.t("status_not_found", job=job_id[:64]), rows)
    return Screen(turn.t("status_title") + "\n" + _job_line(turn, job), rows)
